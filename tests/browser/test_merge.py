"""Merging duplicates in a real browser: a marketing manager finds Ann twice on the duplicates
page, compares the two, keeps the other title and merges; Ann's page then holds both touches.
A second pair with open leads of two reps shows why it cannot be merged."""

from __future__ import annotations

import pytest

from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.people import services as people
from tandem.people.models import Contact
from tests.browser.conftest import sign_in, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser
PATIENCE = 30_000  # ms: a shared, busy machine


def test_a_manager_merges_a_duplicate_choosing_a_value(browse, screenshot, cast):
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    ann = people.contact_create(
        actor=cast.admin,
        email="ann@acme.test",
        first_name="Ann",
        last_name="Archer",
        title="Buyer",
        account=acme,
    )
    anne = people.contact_create(
        actor=cast.admin,
        email="ann.archer+fair@acme.test",
        first_name="Ann",
        last_name="Archer",
        title="Head of Buying",
        phone="+49 30 1234",
        account=acme,
    )
    handoff.touch_log(contact=ann, kind="note", actor=cast.marketer, summary="Webinar chat")
    handoff.touch_log(contact=anne, kind="note", actor=cast.marketer, summary="Met at the fair")

    max_ = browse()
    max_.set_default_timeout(PATIENCE)
    sign_in(max_, cast.marketing_manager)
    max_.goto("/contacts/")
    max_.get_by_role("link", name="Duplicates").click()
    table = max_.get_by_role("table", name="Likely duplicate contacts")
    expect(table).to_contain_text("Same name at the same account")
    screenshot(max_, "01-duplicates")

    table.get_by_role("link", name=f"Compare #{anne.pk} with #{ann.pk}").click()
    expect(max_.get_by_role("heading", level=1)).to_have_text(f"Merge {anne} into {ann}")
    values = max_.get_by_role("table", name="Values to keep")
    expect(values.get_by_role("radio", name="Buyer")).to_be_checked()
    expect(values.get_by_role("radio", name="+49 30 1234")).to_be_checked()  # blank kept
    values.get_by_role("radio", name="Head of Buying").check()
    related = max_.get_by_role("table", name="Related records")
    expect(related).to_contain_text("Touches")
    screenshot(max_, "02-compare")

    max_.get_by_role("button", name=f"Merge #{anne.pk} into #{ann.pk}").click()
    max_.wait_for_url(f"**/contacts/{ann.pk}/")
    expect(max_.get_by_role("main")).to_contain_text("Met at the fair")
    expect(max_.get_by_role("main")).to_contain_text("Head of Buying")
    screenshot(max_, "03-merged")
    assert not Contact.objects.filter(pk=anne.pk).exists()


def test_a_merge_that_would_break_open_leads_says_which_reps(browse, screenshot, cast):
    bo = people.contact_create(
        actor=cast.admin, email="bo@bolt.test", first_name="Bo", last_name="Berg"
    )
    bo2 = people.contact_create(
        actor=cast.admin, email="bo+crm@bolt.test", first_name="Bo", last_name="Berg"
    )
    handoff.lead_hand_off(contact=bo)
    theirs = handoff.lead_hand_off(contact=bo2)
    Lead.objects.filter(pk=theirs.pk).update(assigned_to=cast.teammate_rep)

    ada = browse()
    ada.set_default_timeout(PATIENCE)
    sign_in(ada, cast.admin)
    ada.goto(f"/contacts/{bo.pk}/")
    ada.get_by_label("The other contact's email or number").fill("bo+crm@bolt.test")
    ada.get_by_role("button", name="Compare").click()

    alert = ada.get_by_role("alert")
    expect(alert).to_contain_text(cast.sales_rep.get_full_name())
    expect(alert).to_contain_text(cast.teammate_rep.get_full_name())
    expect(ada.get_by_role("button", name=f"Merge #{bo2.pk} into #{bo.pk}")).to_have_count(0)
    screenshot(ada, "01-refused")
