"""A marketer builds a segment in the rule builder, by keyboard and mouse, watching the count."""

from __future__ import annotations

import pytest

from tandem.segments import services
from tandem.segments.models import Segment
from tests.browser.conftest import sign_in, unavailable
from tests.segments.conftest import _build_crowd

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


@pytest.fixture
def known_contacts(cast):
    """Ann, Bob, Cy and Dee (see tests/segments/conftest.py), committed for the live server."""
    return _build_crowd(cast)


def patient(browse, user):
    """A signed-in page that waits longer than the default: the count runs a query per edit."""
    page = browse()
    page.context.set_default_timeout(20_000)
    sign_in(page, user)
    return page


def test_marketer_builds_a_segment_and_sees_the_live_count(
    browse, screenshot, cast, known_contacts
):
    page = patient(browse, cast.marketer)
    page.get_by_role("navigation", name="Workspaces").get_by_role(
        "button", name="Marketing"
    ).click()
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="New segment").click()
    page.get_by_label("Name", exact=True).fill("Senior makers")

    first = page.locator(".rb-condition").nth(0)
    first.get_by_label("Condition", exact=True).select_option(label="Account: Account field")
    first.get_by_label("Field", exact=True).select_option(label="Industry")
    first.get_by_label("Operator", exact=True).select_option(label="is")
    first.get_by_label("Value", exact=True).fill("Manufacturing")
    count = page.locator("#live-count")
    expect(count).to_contain_text("2 contacts match this rule now")

    # Keyboard only: the button adds a condition and moves focus to its type.
    page.get_by_role("button", name="Add condition").press("Enter")
    second = page.locator(".rb-condition").nth(1)
    expect(second.get_by_label("Condition", exact=True)).to_be_focused()
    second.get_by_label("Condition", exact=True).select_option(label="Contact: Score")
    second.get_by_label("Operator", exact=True).select_option(label="at least")
    expect(count).to_contain_text("rule.conditions[1].value")
    screenshot(page, "rule-error")
    second.get_by_label("Score", exact=True).fill("50")
    expect(count).to_contain_text("1 contact matches this rule now")
    screenshot(page, "editor")

    page.get_by_role("button", name="Create segment").click()
    expect(page.get_by_role("heading", name="Senior makers")).to_be_visible()
    expect(page.get_by_role("table", name="Members")).to_contain_text("ann@acme.test")
    assert Segment.objects.get(name="Senior makers").member_count == 1
    screenshot(page, "detail")

    page.get_by_role("link", name="Segments").first.click()
    expect(page.get_by_role("table", name="Segments")).to_contain_text("Senior makers")
    screenshot(page, "list")


def test_sales_rep_sees_segments_but_cannot_edit(browse, cast, known_contacts):
    services.segment_create(
        actor=cast.marketer,
        name="High scorers",
        rule={"match": "all", "conditions": [{"type": "score", "op": "gte", "value": 45}]},
    )
    page = patient(browse, cast.sales_rep)
    page.get_by_role("navigation", name="Workspaces").get_by_role(
        "button", name="Marketing"
    ).click()
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="High scorers").click()
    expect(page.get_by_role("heading", name="High scorers")).to_be_visible()
    expect(page.get_by_role("link", name="Edit rule")).to_have_count(0)
    expect(page.get_by_role("link", name="New segment")).to_have_count(0)
