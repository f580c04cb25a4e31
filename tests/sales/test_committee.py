"""The buying committee: who decides, what hurts, how they like to be reached, and when."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tandem.errors import InvalidInput
from tandem.sales import selectors
from tandem.sales import services as sales
from tests.factories import ContactFactory


def test_contacts_join_the_committee_with_roles_pains_channel_and_timeline(cast, deal, buyer):
    cfo = ContactFactory(email="cy@acme.test", first_name="Cy", account=buyer.account)

    sales.committee_member_save(
        actor=cast.sales_rep,
        deal=deal,
        contact=buyer,
        role="champion",
        pain_points="Stock-outs every quarter",
        preferred_channel="video",
        timeline="Pilot in May",
    )
    sales.committee_member_save(
        actor=cast.sales_rep,
        deal=deal,
        contact=cfo,
        role="economic_buyer",
        decision_on="2030-06-30",
    )

    members = selectors.deal_committee(deal=deal)
    assert [(m.contact, m.role) for m in members] == [(buyer, "champion"), (cfo, "economic_buyer")]
    assert members[0].pain_points == "Stock-outs every quarter"
    assert members[1].decision_on == dt.date(2030, 6, 30)


def test_saving_again_changes_the_seat_instead_of_adding_one(cast, deal, buyer):
    sales.committee_member_save(actor=cast.sales_rep, deal=deal, contact=buyer, role="user")
    sales.committee_member_save(actor=cast.sales_rep, deal=deal, contact=buyer, role="blocker")

    assert [m.role for m in selectors.deal_committee(deal=deal)] == ["blocker"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "boss"}, "role"),
        ({"role": "user", "preferred_channel": "pigeon"}, "preferred_channel"),
        ({"role": "user", "decision_on": "next spring"}, "decision_on"),
    ],
)
def test_bad_committee_input_names_the_field(cast, deal, buyer, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        sales.committee_member_save(actor=cast.sales_rep, deal=deal, contact=buyer, **kwargs)

    assert list(exc.value.errors) == [field]


@pytest.mark.parametrize("role", ["other_team_rep", "marketer", "employee"])
def test_only_who_may_change_the_deal_edits_its_committee(cast, deal, buyer, role):
    with pytest.raises(PermissionDenied):
        sales.committee_member_save(actor=cast.by_role(role), deal=deal, contact=buyer, role="user")


def test_the_committee_shows_on_the_deal_and_on_the_contact(cast, deal, buyer, client_for):
    sales.committee_member_save(
        actor=cast.sales_rep,
        deal=deal,
        contact=buyer,
        role="decision_maker",
        pain_points="Manual reorders",
    )
    client = client_for(cast.sales_rep)

    deal_page = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    contact_page = client.get(f"/contacts/{buyer.pk}/").content.decode()

    assert "Decision maker" in deal_page and "Manual reorders" in deal_page
    assert "Buying committees" in contact_page and "Pains: Manual reorders" in contact_page


def test_a_rep_adds_a_member_through_the_page_by_email(cast, deal, buyer, client_for):
    client_for(cast.sales_rep).post(
        f"/sales/deals/{deal.pk}/committee/",
        {"email": "bea@acme.test", "role": "influencer", "preferred_channel": "email"},
    )

    assert [(m.contact, m.role) for m in selectors.deal_committee(deal=deal)] == [
        (buyer, "influencer")
    ]
