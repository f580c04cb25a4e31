"""The content library in a real browser: a rep searches it from a deal (htmx swaps the
results in), shares an asset the deal did not suggest, and shares another from its own page."""

from __future__ import annotations

import pytest

from tandem.marketing import content
from tandem.marketing.models import ContentShare
from tandem.people import services as people
from tandem.sales import services as sales
from tests.browser.conftest import sign_in, unavailable
from tests.factories import AccountFactory

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser
PATIENCE = 30_000  # ms: a shared, busy machine


def test_a_rep_finds_content_from_a_deal_and_shares_it(browse, screenshot, cast):
    account = AccountFactory(name="Acme", industry="Food processing")
    ann = people.contact_create(
        actor=cast.marketer,
        email="ann@acme.test",
        first_name="Ann",
        last_name="Archer",
        account=account,
    )
    deal = sales.deal_open(
        actor=cast.sales_rep, name="Acme line", owner=cast.sales_rep, contact=ann
    )
    for title, tags in (
        ("Mine story", {"verticals": ["Mining"], "personas": ["CFO"]}),
        ("Plant tour", {"personas": ["Head of Operations"]}),
    ):
        content.asset_create(
            actor=cast.marketer, title=title, kind="case_study", link="https://cdn.test/x", **tags
        )

    sam = browse()
    sam.set_default_timeout(PATIENCE)
    sign_in(sam, cast.sales_rep)
    sam.goto(f"/sales/deals/{deal.pk}/")
    suggested = sam.get_by_role("list", name="Content for this deal")
    expect(suggested).to_contain_text("Plant tour")
    expect(suggested).not_to_contain_text("Mine story")

    # the rep searches the whole library by persona, without leaving the deal
    sam.get_by_role("link", name="Search the whole library").click()
    search = sam.get_by_role("search", name="Search the content library")
    search.get_by_label("Persona").select_option("CFO")
    search.get_by_role("button", name="Search").click()
    found = sam.get_by_role("list", name="Content found")
    expect(found).to_contain_text("Mine story")
    expect(found).not_to_contain_text("Plant tour")
    screenshot(sam, "01-deal-search", phone=False)

    # and shares what was found with the deal's contact
    found.get_by_role("button", name="Share link").click()
    expect(sam.get_by_role("status")).to_contain_text("this tracked link to “Mine story”")
    share = ContentShare.objects.get()
    assert (share.asset.title, share.contact, share.deal) == ("Mine story", ann, deal)

    # from an asset's own page, to a contact of a deal the rep can see
    sam.goto("/marketing/content/?persona=Head+of+Operations")
    sam.get_by_role("link", name="Plant tour").click()
    sam.get_by_label("Contact, by open deal").select_option(label="Ann Archer")
    sam.get_by_role("button", name="Share link").click()
    expect(sam.get_by_role("status")).to_contain_text("this tracked link to “Plant tour”")
    screenshot(sam, "02-asset-share", phone=False)
    assert ContentShare.objects.filter(asset__title="Plant tour", deal=deal).count() == 1
