"""The duplicates and merge API: list, preview, merge, refusals and permissions."""

from __future__ import annotations

import pytest

from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.people import services as people
from tandem.people.models import Account, Contact
from tests.api.conftest import Api, fields_of


@pytest.fixture
def twins(cast):
    return tuple(
        people.contact_create(
            actor=cast.admin, email=email, first_name="Bo", last_name="Berg", title=title
        )
        for email, title in (("bo@bolt.test", "CTO"), ("bo+crm@bolt.test", "CEO"))
    )


def test_duplicates_preview_and_merge(api, cast, twins):
    bo, bo_crm = twins
    handoff.touch_log(contact=bo_crm, kind="note", actor=cast.marketer, summary="Hi")

    listed = api("marketing_manager").get("/duplicates/contacts")
    preview = api("marketing_manager").get(
        "/merges/contacts/preview", kept_id=bo.pk, merged_id=bo_crm.pk
    )
    merged = api("marketing_manager").post(
        "/merges/contacts",
        {"kept_id": bo.pk, "merged_id": bo_crm.pk, "choices": {"title": "merged"}},
    )

    assert listed.status_code == 200
    assert {
        "ids": [bo.pk, bo_crm.pk],
        "reasons": [
            "same name and email domain",
            "same address without dots or +tags",
            "same name",
        ],
        "pairs": [[bo.pk, bo_crm.pk]],
    } in listed.json()
    body = preview.json()
    assert [d["field"] for d in body["differences"]] == ["email", "title"]
    assert {"what": "touches", "kept": 0, "merged": 1} in body["related"]
    assert body["refusal"] == ""
    assert merged.status_code == 200
    assert merged.json()["moved"]["people.Touch.contact"] == [1, 0]
    assert merged.json()["choices"] == {"email": "kept", "title": "merged"}
    assert Contact.objects.get(pk=bo.pk).title == "CEO"


def test_a_refused_merge_answers_422_naming_both_reps(api, cast, twins):
    bo, bo_crm = twins
    handoff.lead_hand_off(contact=bo)
    theirs = handoff.lead_hand_off(contact=bo_crm)
    Lead.objects.filter(pk=theirs.pk).update(assigned_to=cast.teammate_rep)

    response = api("admin").post("/merges/contacts", {"kept_id": bo.pk, "merged_id": bo_crm.pk})

    assert response.status_code == 422
    assert fields_of(response) == ["merge"]
    message = response.json()["errors"][0]["message"]
    assert cast.sales_rep.get_full_name() in message
    assert cast.teammate_rep.get_full_name() in message


def test_a_bad_choice_answers_422_naming_it(api, twins):
    bo, bo_crm = twins

    response = api("admin").post(
        "/merges/contacts",
        {"kept_id": bo.pk, "merged_id": bo_crm.pk, "choices": {"title": "neither"}},
    )

    assert response.status_code == 422
    assert fields_of(response) == ["choices.title"]


@pytest.mark.parametrize(("role", "status"), [("marketer", 403), ("employee", 403)])
def test_roles_without_merge_are_refused(api, twins, role, status):
    bo, bo_crm = twins

    response = api(role).post("/merges/contacts", {"kept_id": bo.pk, "merged_id": bo_crm.pk})

    assert response.status_code == status
    assert Contact.objects.filter(pk=bo_crm.pk).exists()


def test_anonymous_is_refused(twins):
    response = Api(None).get("/duplicates/contacts")

    assert response.status_code == 401


def test_accounts_merge(api, cast):
    acme = people.account_create(actor=cast.admin, name="Acme Inc", domain="acme.test")
    acme_ltd = people.account_create(actor=cast.admin, name="Acme Ltd", domain="acme.co.uk")

    listed = api("admin").get("/duplicates/accounts")
    merged = api("admin").post(
        "/merges/accounts",
        {"kept_id": acme.pk, "merged_id": acme_ltd.pk, "choices": {"name": "merged"}},
    )

    assert listed.json() == [
        {"ids": [acme.pk, acme_ltd.pk], "reasons": ["same name"], "pairs": [[acme.pk, acme_ltd.pk]]}
    ]
    assert merged.status_code == 200
    assert Account.objects.get(pk=acme.pk).name == "Acme Ltd"
    assert not Account.objects.filter(pk=acme_ltd.pk).exists()
