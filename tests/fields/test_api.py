"""The API: definitions managed by the right roles, values read and written on the records,
and every refused value named as ``custom.<key>``."""

from __future__ import annotations

import pytest

from tandem.audit.models import AuditEntry
from tandem.handoff import services as handoff
from tandem.people.models import Contact
from tests.factories import AccountFactory, ContactFactory


@pytest.mark.parametrize(
    ("role", "status"),
    [("marketer", 403), ("sales_rep", 403), ("employee", 403), ("leadership", 403),
     ("marketing_manager", 201), ("sales_manager", 201), ("admin", 201)],
)  # fmt: skip
def test_who_may_define_a_field(api, role, status):
    # when a user of each role defines a field
    response = api(role).post(
        "/custom-fields", {"entity": "contact", "label": "Plants", "kind": "number"}
    )
    # then only admins and the two managers may
    assert response.status_code == status
    if status == 201:
        assert response.json()["key"] == "plants"
        assert (
            AuditEntry.objects.filter(record_type="fields.customfield", action="create").count()
            == 1
        )


def test_anonymous_is_refused(db, client):
    assert client.get("/api/v1/custom-fields").status_code == 401


def test_define_list_update_archive(api, defined):
    manager = api("marketing_manager")
    listed = manager.get("/custom-fields", entity="contact").json()
    assert [f["key"] for f in listed] == [
        "plants", "budget", "renewal_on", "nickname", "is_partner", "tier", "tools",
    ]  # fmt: skip
    changed = manager.patch(
        f"/custom-fields/{defined.tier.pk}",
        {"label": "Customer tier", "choices": ["Gold", "Silver", "Bronze", "Platinum"]},
    )
    assert changed.status_code == 200
    assert changed.json()["label"] == "Customer tier"
    assert changed.json()["choices"][-1] == "Platinum"
    archived = manager.post(f"/custom-fields/{defined.tier.pk}/archive")
    assert archived.json()["is_archived"] is True
    assert "tier" not in [f["key"] for f in manager.get("/custom-fields").json()]


def test_key_and_kind_are_fixed_with_the_reason(api, defined):
    response = api("admin").patch(f"/custom-fields/{defined.plants.pk}", {"kind": "text"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "kind",
            "message": "the kind is fixed once the field exists: records, segments, rules, "
            "imports and the API use it",
        }
    ]


def test_a_choice_in_use_cannot_be_removed(api, defined):
    ContactFactory(email="ann@acme.test", custom={"tier": "Gold"})
    response = api("admin").patch(
        f"/custom-fields/{defined.tier.pk}", {"choices": ["Silver", "Bronze"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "Gold is still set on 1 contact; change those records first"
    )


def test_a_taken_key_and_a_choice_field_without_choices_are_named(api, defined):
    taken = api("admin").post(
        "/custom-fields", {"entity": "contact", "label": "Plants", "kind": "text"}
    )
    assert taken.json()["errors"] == [
        {"field": "key", "message": "contact already has a field called 'plants'"}
    ]
    bare = api("admin").post(
        "/custom-fields", {"entity": "deal", "label": "Risk", "kind": "choice"}
    )
    assert bare.json()["errors"][0]["field"] == "choices"


def test_contact_values_written_and_read(api, defined):
    # given a contact
    rep = api("marketer")
    created = rep.post(
        "/contacts",
        {"email": "ann@acme.test", "custom": {"plants": "1,200", "renewal_on": "2027-03-01"}},
    )
    assert created.status_code == 201, created.json()
    contact_id = created.json()["id"]
    assert created.json()["custom"] == {"plants": 1200, "renewal_on": "2027-03-01"}
    # when a value is changed and another cleared
    patched = rep.patch(
        f"/contacts/{contact_id}", {"custom": {"plants": "", "tier": "gold", "tools": ["sap"]}}
    )
    # then the record keeps the typed values
    assert patched.json()["custom"] == {
        "renewal_on": "2027-03-01",
        "tier": "Gold",
        "tools": ["SAP"],
    }
    assert rep.get(f"/contacts/{contact_id}").json()["custom"]["tier"] == "Gold"


def test_bad_values_are_named_and_nothing_is_stored(api, defined):
    contact = ContactFactory(email="ann@acme.test", custom={"plants": 4})
    response = api("admin").patch(
        f"/contacts/{contact.pk}",
        {"custom": {"plants": "many", "tier": "Diamond", "colour": "red"}},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "custom.plants", "message": "Plants: 'many' is not a number"},
        {"field": "custom.tier", "message": "Tier: 'Diamond' is not one of Gold, Silver, Bronze"},
        {"field": "custom.colour", "message": "colour: there is no such contact field"},
    ]
    assert Contact.objects.get(pk=contact.pk).custom == {"plants": 4}


def test_account_values(api, defined):
    account = AccountFactory(name="Acme")
    response = api("admin").patch(
        f"/accounts/{account.pk}", {"custom": {"employees": "5,000", "segment_code": "ent"}}
    )
    assert response.json()["custom"] == {"employees": 5000, "segment_code": "ENT"}
    bad = api("admin").patch(f"/accounts/{account.pk}", {"custom": {"employees": "lots"}})
    assert bad.json()["errors"][0]["field"] == "custom.employees"


def test_deal_values(api, cast, mql, defined):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    rep = api("sales_rep")
    response = rep.patch(f"/sales/deals/{deal.pk}", {"custom": {"region_code": " NE-1 "}})
    assert response.status_code == 200, response.json()
    assert response.json()["custom"] == {"region_code": "NE-1"}
    assert rep.get(f"/deals/{deal.pk}").json()["custom"] == {"region_code": "NE-1"}
    # a rep of another team may not change it
    other = api("other_team_rep").patch(f"/sales/deals/{deal.pk}", {"custom": {"region_code": "x"}})
    assert other.status_code == 403
