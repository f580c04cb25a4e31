"""Reports in a real browser: a marketer opens attribution and sees every model in a chart.

The history (a blog visit, a webinar form, two wins) is built through the services in
``tests/reports/conftest.py``'s story; the pages are saved to artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser.conftest import sign_in, unavailable
from tests.reports.conftest import story  # noqa: F401 — the scenario fixture

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser
# A report computes in the request on first opening: give the page time on a busy machine.
REPORT_TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def warm(db):
    """Import the report pages' analytics stack once, before the browser's first request."""
    Client().get("/login/")


def test_marketer_compares_attribution_models_on_one_page(browse, screenshot, cast, story):  # noqa: F811
    page = browse()
    page.set_default_timeout(REPORT_TIMEOUT_MS)
    sign_in(page, cast.marketer)

    # the marketer finds Reports in the navigation and opens attribution
    page.get_by_role("navigation", name="Workspaces").get_by_role("button", name="Together").click()
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Attribution").click()
    expect(page.get_by_role("heading", name="Attribution")).to_be_visible()

    # the chart of every model is drawn, and the table credits won revenue to both channels
    chart = page.locator("#attribution-chart svg")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 100
    table = page.locator("#attribution-table")
    expect(table.get_by_role("columnheader", name="Markov")).to_be_visible()
    expect(table.get_by_role("cell", name="Organic search")).to_be_visible()
    expect(table.get_by_role("cell", name="Webinars")).to_be_visible()
    screenshot(page, "attribution")

    # then credits go to campaigns instead, over the whole journey
    page.get_by_label("Credit goes to").select_option(label="Campaign")
    page.get_by_label("Lookback window").select_option(label="Whole journey")
    page.get_by_role("button", name="Show").click()
    expect(table.get_by_role("cell", name="Spring webinar")).to_be_visible()
    screenshot(page, "attribution-by-campaign", phone=False)


def test_sales_reads_the_funnel_on_the_sales_clock(browse, screenshot, cast, story):  # noqa: F811
    page = browse()
    page.set_default_timeout(REPORT_TIMEOUT_MS)
    sign_in(page, cast.sales_rep)
    page.goto("/reports/funnel/")

    page.get_by_role("link", name="This quarter").click()
    expect(page.locator('[data-metric="entered"]')).to_have_text("2")
    expect(page.locator("figure.chart svg")).to_be_visible()
    screenshot(page, "funnel")
