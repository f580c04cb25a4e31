"""Custom values through every door that creates or edits a record: deal create, the relay's
PATCH of a deal, the contact and account PATCHes, the record pages; an archived field is shown
read only and refused for writes by each of them, named."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.fields.field_services import custom_field_archive
from tandem.handoff import services as handoff
from tandem.people.models import Account, Contact
from tandem.sales.models import Deal
from tests.factories import AccountFactory, ContactFactory

ARCHIVED = "the field is archived: its values are kept and shown, but no longer set"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_deal_opened_by_the_api_takes_custom_values(api, defined):
    response = api("sales_rep").post(
        "/deals", {"name": "Acme renewal", "custom": {"region_code": " NE-1 "}}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["custom"] == {"region_code": "NE-1"}
    assert Deal.objects.get(pk=response.json()["id"]).custom == {"region_code": "NE-1"}


def test_a_deal_with_a_bad_custom_value_is_not_opened(api, defined):
    response = api("sales_rep").post("/deals", {"name": "Acme", "custom": {"colour": "red"}})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "custom.colour", "message": "colour: there is no such deal field"}
    ]
    assert not Deal.objects.exists()


def test_the_relay_patch_sets_custom_values_with_the_stage(api, cast, mql, defined):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    next_stage = deal.pipeline.stages.filter(outcome="open").exclude(pk=deal.stage_id).first()
    response = api("sales_rep").patch(
        f"/deals/{deal.pk}", {"stage_id": next_stage.pk, "custom": {"region_code": "SW-2"}}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["custom"] == {"region_code": "SW-2"}
    assert response.json()["stage_id"] == next_stage.pk


def test_a_refused_custom_value_leaves_the_stage_unmoved(api, cast, mql, defined):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    custom_field_archive(actor=cast.admin, field=defined.region_code)
    next_stage = deal.pipeline.stages.filter(outcome="open").exclude(pk=deal.stage_id).first()
    response = api("sales_rep").patch(
        f"/deals/{deal.pk}", {"stage_id": next_stage.pk, "custom": {"region_code": "SW-2"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "custom.region_code", "message": f"Region code: {ARCHIVED}"}
    ]
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.stage_id, fresh.custom) == (deal.stage_id, {})


@pytest.mark.parametrize(
    "door",
    ["contact create", "contact patch", "account create", "account patch", "deal create",
     "deal relay patch", "deal sales patch"],
)  # fmt: skip
def test_the_api_refuses_an_archived_field_by_name(api, cast, mql, defined, door):
    # given fields archived on each entity, with values kept on the records
    for field in (defined.plants, defined.employees, defined.region_code):
        custom_field_archive(actor=cast.admin, field=field)
    contact = ContactFactory(email="bob@acme.test", custom={"plants": 4})
    account = AccountFactory(name="Acme", custom={"employees": 40})
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    calls = {
        "contact create": ("post", "/contacts", {"email": "eve@acme.test"}, "plants"),
        "contact patch": ("patch", f"/contacts/{contact.pk}", {}, "plants"),
        "account create": ("post", "/accounts", {"name": "Beta"}, "employees"),
        "account patch": ("patch", f"/accounts/{account.pk}", {}, "employees"),
        "deal create": ("post", "/deals", {"name": "Beta deal"}, "region_code"),
        "deal relay patch": ("patch", f"/deals/{deal.pk}", {}, "region_code"),
        "deal sales patch": ("patch", f"/sales/deals/{deal.pk}", {}, "region_code"),
    }
    method, path, body, key = calls[door]
    # when a value of the archived field is sent
    response = getattr(api("admin"), method)(path, {**body, "custom": {key: "7"}})
    # then it is refused, named, and nothing changes
    assert response.status_code == 422, response.json()
    assert response.json()["errors"][0]["field"] == f"custom.{key}"
    assert response.json()["errors"][0]["message"].endswith(ARCHIVED)
    assert Contact.objects.get(pk=contact.pk).custom == {"plants": 4}
    assert Account.objects.get(pk=account.pk).custom == {"employees": 40}
    assert Deal.objects.get(pk=deal.pk).custom == {}
    assert not Contact.objects.filter(email="eve@acme.test").exists()
    assert Deal.objects.count() == 1


def test_an_archived_value_is_still_read_by_the_api(api, cast, defined):
    contact = ContactFactory(email="bob@acme.test", custom={"plants": 4, "nickname": "B"})
    custom_field_archive(actor=cast.admin, field=defined.plants)
    assert api("admin").get(f"/contacts/{contact.pk}").json()["custom"] == {
        "plants": 4,
        "nickname": "B",
    }
    # and a change of another field keeps it
    patched = api("admin").patch(f"/contacts/{contact.pk}", {"custom": {"nickname": "Bobby"}})
    assert patched.json()["custom"] == {"plants": 4, "nickname": "Bobby"}


def test_the_record_page_shows_an_archived_value_read_only(cast, defined):
    contact = ContactFactory(email="bob@acme.test", custom={"plants": 1200, "nickname": "B"})
    custom_field_archive(actor=cast.admin, field=defined.plants)
    page = client_for(cast.marketer).get(f"/contacts/{contact.pk}/").content.decode()
    assert '<dt>Plants <span class="muted">(archived)</span></dt><dd>1,200</dd>' in page
    assert 'name="cf_plants"' not in page
    assert 'name="cf_nickname"' in page
    # an archived field without a value is not shown at all
    custom_field_archive(actor=cast.admin, field=defined.budget)
    page = client_for(cast.marketer).get(f"/contacts/{contact.pk}/").content.decode()
    assert "<dt>Budget" not in page


def test_the_record_page_refuses_an_archived_value_sent_anyway(cast, defined):
    contact = ContactFactory(email="bob@acme.test", custom={"plants": 3})
    custom_field_archive(actor=cast.admin, field=defined.plants)
    response = client_for(cast.marketer).post(
        f"/settings/fields/values/contact/{contact.pk}/",
        {"cf_plants": "9", "cf_nickname": "Bobby"},
        HTTP_HX_REQUEST="true",
    )
    assert f"Plants: {ARCHIVED}" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).custom == {"plants": 3}


# -- the create pages ---------------------------------------------------------------------------


def test_the_deal_create_page_opens_a_deal_with_custom_values(cast, defined):
    ContactFactory(email="ann@acme.test")
    client = client_for(cast.sales_rep)
    assert 'href="/sales/deals/new/"' in client.get("/sales/deals/").content.decode()
    form = client.get("/sales/deals/new/").content.decode()
    assert 'name="cf_region_code"' in form
    response = client.post(
        "/sales/deals/new/",
        {"name": "Acme pilot", "contact_email": "ann@acme.test", "amount": "1200",
         "cf_region_code": " NE-1 "},
    )  # fmt: skip
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sales/deals/{deal.pk}/"
    assert (deal.name, deal.contact.email, deal.owner, deal.custom) == (
        "Acme pilot",
        "ann@acme.test",
        cast.sales_rep,
        {"region_code": "NE-1"},
    )


def test_the_deal_create_page_names_a_refused_value_and_opens_nothing(cast, defined):
    custom_field_archive(actor=cast.admin, field=defined.region_code)
    client = client_for(cast.sales_rep)
    assert 'name="cf_region_code"' not in client.get("/sales/deals/new/").content.decode()
    response = client.post("/sales/deals/new/", {"name": "Acme", "cf_region_code": "x"})
    assert response.status_code == 422
    assert f"Region code: {ARCHIVED}" in response.content.decode()
    unknown = client.post("/sales/deals/new/", {"name": "Acme", "contact_email": "no@x.test"})
    assert "no contact with the email no@x.test" in unknown.content.decode()
    assert not Deal.objects.exists()


def test_a_marketer_may_not_open_a_deal_by_page(cast, defined):
    assert client_for(cast.marketer).get("/sales/deals/new/").status_code == 403


def test_the_contact_create_page_takes_custom_values(cast, defined):
    client = client_for(cast.marketer)
    response = client.post(
        "/contacts/new/", {"email": "ann@acme.test", "cf_plants": "1,200", "cf_tools": ["SAP"]}
    )
    assert response.status_code == 302
    assert Contact.objects.get(email="ann@acme.test").custom == {"plants": 1200, "tools": ["SAP"]}
    bad = client.post("/contacts/new/", {"email": "bob@acme.test", "cf_plants": "lots"})
    assert "Plants: &#x27;lots&#x27; is not a number" in bad.content.decode()
    assert not Contact.objects.filter(email="bob@acme.test").exists()
