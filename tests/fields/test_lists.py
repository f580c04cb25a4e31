"""The contact and deal lists filter on a custom field and show custom fields as columns."""

from __future__ import annotations

from django.test import Client

from tandem.fields.models import CustomField
from tandem.handoff import services as handoff
from tandem.sales import services as sales
from tests.factories import ContactFactory


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contact_list_filters_and_shows_columns(
    cast, defined, django_capture_on_commit_callbacks
):
    # given contacts with plants and tiers
    ContactFactory(email="ann@big.test", custom={"plants": 12, "tier": "Gold"})
    ContactFactory(email="bob@small.test", custom={"plants": 2, "tier": "Silver"})
    # when the list is filtered on plants ≥ 10 with the plants and tier columns
    query = {"cf": "plants", "cf_op": "gte", "cf_value": "10", "cols": ["plants", "tier"]}
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(cast.marketer).get("/contacts/", query)
    html = page.content.decode()
    # then only Ann is listed, with her values
    assert "ann@big.test" in html
    assert "bob@small.test" not in html
    assert '<th class="num">Plants</th><th>Tier</th>' in html
    assert '<td class="num">12</td><td>Gold</td>' in html
    # and the filtered field is indexed from then on
    assert CustomField.objects.get(pk=defined.plants.pk).is_indexed


def test_a_bad_contact_filter_is_named_and_lists_everyone(cast, defined):
    ContactFactory(email="ann@big.test", custom={"plants": 12})
    page = client_for(cast.marketer).get(
        "/contacts/", {"cf": "plants", "cf_op": "gte", "cf_value": "lots"}
    )
    html = page.content.decode()
    assert 'id="cf_value-err">Plants: &#x27;lots&#x27; is not a number</p>' in html
    assert "ann@big.test" in html


def test_the_deal_list_and_api_filter_on_a_deal_field(cast, mql, submit, defined):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_update(actor=cast.sales_rep, deal=deal, custom={"region_code": "NE-1"})
    client = client_for(cast.sales_manager)
    matching = client.get(
        "/sales/deals/",
        {"cf": "region_code", "cf_op": "equals", "cf_value": "ne-1", "cols": "region_code"},
    ).content.decode()
    assert f'href="/sales/deals/{deal.pk}/"' in matching
    assert '<td data-label="Region code">NE-1</td>' in matching
    other = client.get(
        "/sales/deals/", {"cf": "region_code", "cf_op": "equals", "cf_value": "SW-2"}
    ).content.decode()
    assert f'href="/sales/deals/{deal.pk}/"' not in other
    bad = client.get("/sales/deals/", {"cf": "region_code", "cf_op": "gte", "cf_value": "x"})
    assert "cf_op: for Region code use one of" in bad.content.decode()
