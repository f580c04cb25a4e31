"""The relay through the API: form → lead → accept → win; deletes; private notes stay private."""

import pytest

from tandem.audit.models import AuditEntry
from tandem.handoff import services as handoff
from tandem.marketing.models import FormSubmission
from tandem.people.models import Account, Contact, Touch
from tandem.sales import services as sales
from tandem.sales.models import Deal

ANN = {
    "email": "Ann@Acme.test",
    "first_name": "Ann",
    "last_name": "Archer",
    "title": "VP Operations",
    "company": "Acme",
    "consent": True,
    "utm_source": "linkedin",
    "utm_medium": "paid_social",
    "utm_campaign": "spring-webinar",
}


def test_visitor_to_customer_through_the_api(api, cast, lead_form):
    # given a website back end posting a qualifying submission with its token
    submitted = api("marketer").post("/forms/demo/submissions", ANN)

    assert submitted.status_code == 201
    body = submitted.json()
    assert (body["is_new_contact"], body["consent_given"], body["lifecycle_stage"]) == (
        True,
        True,
        "mql",
    )
    submission = FormSubmission.objects.get(pk=body["id"])
    assert submission.client_address == "127.0.0.1"

    # when the rep finds the lead in their list and accepts it
    rep = api("sales_rep")
    leads = rep.get("/leads", status="waiting").json()
    assert [(lead["contact_id"], lead["assigned_to_id"]) for lead in leads["items"]] == [
        (body["contact_id"], cast.sales_rep.pk)
    ]
    accepted = rep.post(f"/leads/{leads['items'][0]['id']}/accept")
    assert accepted.status_code == 201
    deal = accepted.json()
    assert (deal["stage_name"], deal["outcome"], deal["owner_id"]) == (
        "Discovery",
        "open",
        cast.sales_rep.pk,
    )

    # and wins the deal
    won = rep.post(f"/deals/{deal['id']}/win", {"amount": "18000"})

    # then the contact is a customer, and every move is on the record
    assert won.status_code == 200
    assert (won.json()["outcome"], won.json()["amount"]) == ("won", "18000.00")
    contact = rep.get(f"/contacts/{body['contact_id']}").json()
    assert contact["lifecycle_stage"] == "customer"
    assert "customer" in contact["audience_types"]
    moves = rep.get(f"/contacts/{body['contact_id']}/lifecycle-moves").json()
    assert [(m["from_stage"], m["to_stage"]) for m in moves] == [
        ("subscriber", "lead"),
        ("lead", "mql"),
        ("mql", "sal"),
        ("sal", "opportunity"),
        ("opportunity", "customer"),
    ]


def test_a_repeated_submission_gives_one_contact_and_two_touches(api, cast, lead_form):
    first = api("marketer").post("/forms/demo/submissions", ANN).json()
    second = api("marketer").post("/forms/demo/submissions", {**ANN, "first_name": ""}).json()

    assert (first["is_new_contact"], second["is_new_contact"]) == (True, False)
    assert first["contact_id"] == second["contact_id"]
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name) == ("ann@acme.test", "Ann")
    assert Touch.objects.filter(contact=contact, kind="form_submission").count() == 2


def test_api_submissions_are_rate_limited_per_token(api, cast, lead_form, settings):
    settings.TANDEM_FORM_SUBMISSIONS_PER_HOUR = 1
    assert api("marketer").post("/forms/demo/submissions", ANN).status_code == 201

    refused = api("marketer").post("/forms/demo/submissions", {**ANN, "email": "b@acme.test"})

    assert refused.status_code == 429
    assert refused.json() == {
        "errors": [{"field": "", "message": "too many submissions from this address"}]
    }
    assert api("admin").post("/forms/demo/submissions", ANN).status_code == 201


def test_a_closed_form_is_404(api, cast, lead_form):
    lead_form.is_active = False
    lead_form.save(update_fields=["is_active"])

    assert api("marketer").post("/forms/demo/submissions", ANN).status_code == 404


def test_rejecting_a_lead_through_the_api_recycles_the_contact(api, cast, mql):
    response = api("sales_rep").post(
        f"/leads/{mql.pk}/reject", {"reason": "no_budget", "note": "next year"}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == (
        "rejected",
        "no_budget",
    )
    assert Contact.objects.get(pk=mql.contact_id).lifecycle_stage == "recycled"


@pytest.fixture
def noted_deal(cast, mql) -> Deal:
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    return sales.deal_notes_update(actor=cast.sales_rep, deal=deal, notes="Wants a discount")


@pytest.mark.parametrize(
    ("role", "notes"),
    [
        ("marketer", None),
        ("marketing_manager", None),
        ("sales_rep", "Wants a discount"),
        ("sales_manager", "Wants a discount"),
        ("leadership", "Wants a discount"),
        ("admin", "Wants a discount"),
    ],
)
def test_private_notes_are_null_for_marketing(api, noted_deal, role, notes):
    one = api(role).get(f"/deals/{noted_deal.pk}").json()
    listed = api(role).get("/deals").json()["items"]

    assert (one["id"], one["private_notes"]) == (noted_deal.pk, notes)
    assert [d["private_notes"] for d in listed] == [notes]


def test_marketing_cannot_write_private_notes(api, noted_deal):
    response = api("marketer").patch(f"/deals/{noted_deal.pk}", {"private_notes": "hi"})

    assert response.status_code == 403
    noted_deal.refresh_from_db()
    assert noted_deal.private_notes == "Wants a discount"


def test_a_rep_edits_their_notes_and_moves_the_deal_in_one_patch(api, noted_deal):
    proposal = noted_deal.pipeline.stages.get(name="Proposal")

    response = api("sales_rep").patch(
        f"/deals/{noted_deal.pk}", {"stage_id": proposal.pk, "private_notes": "Signed NDA"}
    )

    assert response.status_code == 200
    assert (response.json()["stage_name"], response.json()["private_notes"]) == (
        "Proposal",
        "Signed NDA",
    )


def test_another_teams_rep_gets_403_on_the_deal(api, noted_deal):
    response = api("other_team_rep").get(f"/deals/{noted_deal.pk}")

    assert response.status_code == 403


# -- deletes -----------------------------------------------------------------------------------


def _deleted(record_type: str, record_id: int) -> AuditEntry:
    return AuditEntry.objects.get(action="delete", record_type=record_type, record_id=record_id)


def test_sales_manager_deletes_a_teams_deal_but_not_another_teams(api, cast, noted_deal):
    other = sales.deal_open(actor=cast.admin, name="South deal", owner=cast.other_team_rep)

    refused = api("sales_manager").delete(f"/deals/{other.pk}")
    deleted = api("sales_manager").delete(f"/deals/{noted_deal.pk}")

    assert refused.status_code == 403
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert list(Deal.objects.values_list("name", flat=True)) == ["South deal"]
    assert _deleted("sales.deal", noted_deal.pk).actor == cast.sales_manager


def test_a_rep_cannot_delete_their_own_deal(api, noted_deal):
    assert api("sales_rep").delete(f"/deals/{noted_deal.pk}").status_code == 403
    assert Deal.objects.filter(pk=noted_deal.pk).exists()


def test_marketing_manager_deletes_a_contact_with_their_touches(api, cast, mql):
    contact_id = mql.contact_id

    response = api("marketing_manager").delete(f"/contacts/{contact_id}")

    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()
    assert not Touch.objects.filter(contact_id=contact_id).exists()
    assert _deleted("people.contact", contact_id).changes["email"] == ["ann@acme.test", None]


def test_admin_deletes_an_account_and_its_contacts_stay(api, cast, mql):
    account_id = mql.contact.account_id

    assert api("marketer").delete(f"/accounts/{account_id}").status_code == 403
    assert api("admin").delete(f"/accounts/{account_id}").status_code == 204

    assert not Account.objects.filter(pk=account_id).exists()
    assert Contact.objects.get(pk=mql.contact_id).account_id is None
    assert _deleted("people.account", account_id).actor == cast.admin


def test_deleting_a_touch_rescores_the_contact(api, cast, mql):
    call = handoff.touch_log(contact=mql.contact, kind="call", actor=cast.sales_rep)
    score = Contact.objects.get(pk=mql.contact_id).score

    assert api("sales_rep").delete(f"/touches/{call.pk}").status_code == 403
    response = api("marketing_manager").delete(f"/touches/{call.pk}")

    assert response.status_code == 204
    assert not Touch.objects.filter(pk=call.pk).exists()
    assert Contact.objects.get(pk=mql.contact_id).score == score - 10


@pytest.mark.parametrize("path", ["/deals", "/contacts", "/accounts", "/touches"])
def test_deleting_what_does_not_exist_is_404(api, cast, path):
    response = api("admin").delete(f"{path}/999999")

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"].startswith("No such")
