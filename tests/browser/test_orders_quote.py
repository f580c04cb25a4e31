"""A rep builds a quote in a real browser: line items on the deal (htmx), a refused discount,
a flagged one, a quote with a stock warning, its PDF, and an order with a backorder.

This is the first half of issue 5's journey; the fit-review step (a manager approving the
flagged deal) joins it once the review workflow lands. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.orders import services as orders
from tandem.orders.models import DealLine, Order, Quote
from tandem.sales import review_services
from tandem.sales import services as sales
from tests.browser.conftest import unavailable
from tests.factories import AccountFactory, ContactFactory

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(cast):
    admin = cast.admin
    orders.product_create(
        actor=admin,
        sku="KST-EG3",
        name="Edge Gateway 3",
        unit="gateways",
        unit_cost="820.00",
        list_price="1450.00",
        on_hand=4,
    )
    orders.product_create(
        actor=admin,
        sku="KST-PMS-LIC",
        name="Predictive Maintenance Suite",
        unit="machines",
        unit_cost="260.00",
        list_price="1200.00",
        is_stocked=False,
    )
    orders.price_list_create(
        actor=admin, name="Kestrel list", valid_from=dt.date(2020, 1, 1), is_default=True
    )
    contact = ContactFactory(
        account=AccountFactory(name="Acme Plastics"), first_name="Ann", last_name="Archer"
    )
    return sales.deal_open(
        actor=cast.sales_rep,
        name="Acme Plastics — gateways",
        owner=cast.sales_rep,
        contact=contact,
    )


def test_a_rep_adds_lines_and_builds_a_quote(browse, screenshot, cast, shop):
    deal = shop
    rep = browse(cast.sales_rep)
    rep.goto(f"/sales/deals/{deal.pk}/")
    lines = rep.locator("#deal-lines")
    expect(lines.get_by_text("No line items yet.")).to_be_visible()

    # a discount beyond the maximum is refused beside the field, and nothing is added
    lines.get_by_label("Product").select_option(label="Edge Gateway 3 (KST-EG3)")
    lines.get_by_label("Quantity").fill("6")
    lines.get_by_label("Discount %").fill("35")
    lines.get_by_role("button", name="Add line").click()
    expect(rep.locator("#line-discount-err")).to_contain_text("above the 30% maximum")
    assert not DealLine.objects.exists()

    # 18% is allowed but flagged for the fit review
    rep.locator("#deal-lines").get_by_label("Discount %").fill("18")
    rep.locator("#deal-lines").get_by_role("button", name="Add line").click()
    expect(
        rep.locator("#deal-lines").get_by_text("discount above review threshold")
    ).to_be_visible()

    # a licence line at list price, with non-standard payment terms
    lines = rep.locator("#deal-lines")
    lines.get_by_label("Product").select_option(label="Predictive Maintenance Suite (KST-PMS-LIC)")
    lines.get_by_label("Quantity").fill("10")
    lines.get_by_label("Discount %").fill("0")
    lines.get_by_label("Payment terms").select_option(label="60 days net")
    lines.get_by_role("button", name="Add line").click()
    expect(rep.locator("#deal-lines-total")).to_have_text("19,134.00")  # 6 × 1189 + 10 × 1200
    expect(rep.locator("#deal-lines").get_by_text("Stock cannot cover these lines")).to_be_visible()
    screenshot(rep, "deal-lines")

    # the rep quotes the deal: the quote page warns that stock cannot cover 6 gateways
    rep.get_by_role("button", name="Create a quote from these lines").click()
    quote = Quote.objects.get()
    expect(rep.get_by_role("heading", name=f"Quote {quote.number}")).to_be_visible()
    expect(rep.locator("#stock-warning")).to_contain_text(
        "Edge Gateway 3: 6 quoted, only 4 available (2 short)"
    )
    screenshot(rep, "quote")

    # the PDF is there to send
    pdf = rep.request.get(f"/orders/quotes/{quote.pk}/v1.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # the buyer accepts with a backorder for the missing gateways
    rep.get_by_label("backorder the rest").check()
    rep.get_by_role("button", name="Buyer accepted: place the order").click()

    # the 18% discount took the deal out of policy: it cannot be won, so no order, until a
    # sales manager and a marketing manager approve it in the fit review
    expect(rep.get_by_role("heading", name=f"Quote {quote.number}")).to_be_visible()
    assert not Order.objects.exists()
    review = review_services.fit_review_current(deal=quote.deal)
    assert review is not None
    for manager, team in ((cast.sales_manager, "sales"), (cast.marketing_manager, "marketing")):
        review_services.fit_review_decide(
            actor=manager, review=review, decision="approve", rationale="Pilot site", team=team
        )
    rep.reload()
    rep.get_by_label("backorder the rest").check()
    rep.get_by_role("button", name="Buyer accepted: place the order").click()
    order = Order.objects.get()
    expect(rep.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    gateways = order.lines.get(product__sku="KST-EG3")
    assert (gateways.reserved, gateways.backordered) == (4, 2)
    screenshot(rep, "order")
