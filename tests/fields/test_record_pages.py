"""Record pages show custom values and let those who may change the record edit them, with
errors beside the field."""

from __future__ import annotations

from django.test import Client

from tandem.handoff import services as handoff
from tandem.people.models import Account, Contact
from tandem.sales.models import Deal
from tests.factories import AccountFactory, ContactFactory


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contact_page_shows_values(cast, defined):
    contact = ContactFactory(
        email="ann@acme.test", custom={"plants": 1200, "budget": "2500.00", "is_partner": True}
    )
    page = client_for(cast.employee).get(f"/contacts/{contact.pk}/").content.decode()
    assert "<dt>Plants</dt><dd>1,200</dd>" in page
    assert "<dt>Budget</dt><dd>2,500.00</dd>" in page
    assert "<dt>Is partner</dt><dd>Yes</dd>" in page
    assert "Edit these" not in page  # an employee may not change contacts


def test_a_marketer_edits_values_in_place(cast, defined):
    contact = ContactFactory(email="ann@acme.test", custom={"plants": 3})
    response = client_for(cast.marketer).post(
        f"/settings/fields/values/contact/{contact.pk}/",
        {"cf_plants": "1.234,5", "cf_tier": "silver", "cf_tools": ["SAP", "Odoo"]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "<dt>Plants</dt><dd>1,234.5</dd>" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).custom == {
        "plants": 1234.5,
        "tier": "Silver",
        "tools": ["SAP", "Odoo"],
    }


def test_a_bad_value_is_shown_beside_its_field_and_nothing_changes(cast, defined):
    contact = ContactFactory(email="ann@acme.test", custom={"plants": 3})
    response = client_for(cast.marketer).post(
        f"/settings/fields/values/contact/{contact.pk}/",
        {"cf_plants": "a few", "cf_renewal_on": "2027-02-30"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert (
        '<p class="error" id="cf-plants-err">Plants: &#x27;a few&#x27; is not a number</p>' in page
    )
    assert 'id="cf-renewal_on-err">Renewal on: &#x27;2027-02-30&#x27; is not a date' in page
    assert Contact.objects.get(pk=contact.pk).custom == {"plants": 3}


def test_a_rep_may_not_edit_someone_elses_contact(cast, defined):
    contact = ContactFactory(email="ann@acme.test", owner=cast.other_team_rep)
    response = client_for(cast.sales_rep).post(
        f"/settings/fields/values/contact/{contact.pk}/", {"cf_plants": "4"}
    )
    assert response.status_code == 403
    assert Contact.objects.get(pk=contact.pk).custom == {}


def test_anonymous_is_sent_to_login(db, defined):
    contact = ContactFactory(email="ann@acme.test")
    response = Client().post(f"/settings/fields/values/contact/{contact.pk}/", {"cf_plants": "4"})
    assert response.status_code == 302
    assert Contact.objects.get(pk=contact.pk).custom == {}


def test_account_page_edit_without_htmx_returns_to_the_account(cast, defined):
    account = AccountFactory(name="Acme")
    client = client_for(cast.admin)
    response = client.post(
        f"/settings/fields/values/account/{account.pk}/",
        {"cf_employees": "250", "cf_segment_code": "SMB"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{account.pk}/"
    assert Account.objects.get(pk=account.pk).custom == {"employees": 250, "segment_code": "SMB"}
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "<dt>Segment code</dt><dd>SMB</dd>" in page


def test_deal_page_shows_and_saves_values(cast, mql, defined):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    client = client_for(cast.sales_rep)
    client.post(f"/settings/fields/values/deal/{deal.pk}/", {"cf_region_code": "NE-1"})
    assert Deal.objects.get(pk=deal.pk).custom == {"region_code": "NE-1"}
    page = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    assert "<dt>Region code</dt><dd>NE-1</dd>" in page
    # a marketer sees deals but may not change them
    refused = client_for(cast.marketer).post(
        f"/settings/fields/values/deal/{deal.pk}/", {"cf_region_code": "x"}
    )
    assert refused.status_code == 403
