"""Quotes: numbered per year without gaps, versioned, with a stock warning; printable as PDF."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from tandem.demo.catalog import SELLER as DEMO_SELLER
from tandem.errors import InvalidInput
from tandem.orders import quote_services as quotes
from tandem.orders import selectors
from tandem.orders import services as orders
from tandem.orders.models import DocumentSequence, Quote, QuoteLine
from tandem.orders.pdf import quote_pdf


@pytest.fixture
def lined_deal(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.gateway.pk,
        quantity=4,
        discount_percent="10",
        payment_terms="net_60",
    )
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.licence.pk, quantity=5)
    return deal


def test_quotes_are_numbered_per_year_in_order(cast, catalog, lined_deal, deal_for, pinned_today):
    second = deal_for(name="Bolt — gateways")
    orders.deal_line_add(actor=cast.admin, deal=second, product_id=catalog.sensor.pk)
    year = pinned_today.year

    first = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    other = quotes.quote_create(actor=cast.sales_rep, deal=second)

    assert (first.number, other.number) == (f"Q-{year}-0001", f"Q-{year}-0002")
    assert DocumentSequence.objects.get(kind="quote", year=year).last_number == 2


def test_a_refused_quote_gives_its_number_back(cast, catalog, lined_deal, deal_for, pinned_today):
    empty = deal_for(name="Empty deal")
    year = pinned_today.year

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_create(actor=cast.sales_rep, deal=empty)
    made = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)

    assert refused.value.errors == {"lines": "add at least one line item to the deal first"}
    assert made.number == f"Q-{year}-0001"


def test_a_new_year_starts_at_one(cast, lined_deal):
    DocumentSequence.objects.create(kind="quote", year=2000, last_number=41)

    made = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)

    assert made.number.endswith("-0001")


def test_a_quote_freezes_the_lines_and_totals(cast, catalog, lined_deal, pinned_today):
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)

    version = quote.versions.get()
    lines = selectors.quote_version_lines(version=version)
    assert version.version == 1
    assert [(line.product.sku, line.quantity, line.net_price) for line in lines] == [
        ("EG-3", 4, Decimal("1260.00")),
        ("PMS-LIC", 5, Decimal("1200.00")),
    ]
    assert (version.list_total, version.amount, version.cost_amount) == (
        Decimal("11600.00"),
        Decimal("11040.00"),
        Decimal("4580.00"),
    )
    assert version.valid_until == pinned_today + dt.timedelta(days=30)


def test_a_new_version_copies_the_current_lines_and_keeps_the_old_one(cast, catalog, lined_deal):
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    gateways = lined_deal.lines.get(product=catalog.gateway)

    # when the rep lowers the quantity after the buyer's call and revises the quote
    orders.deal_line_update(actor=cast.sales_rep, line=gateways, quantity=2)
    second = quotes.quote_version_create(actor=cast.sales_rep, quote=quote)

    # then version 2 has the new quantity and version 1 still says 4
    assert second.version == 2
    assert second.amount == Decimal("8520.00")
    by_version = {
        v.version: [line.quantity for line in v.lines.order_by("position")]
        for v in quote.versions.all()
    }
    assert by_version == {1: [4, 5], 2: [2, 5]}
    assert quote.number == Quote.objects.get(pk=quote.pk).number


def test_stock_that_cannot_cover_the_quote_is_warned(cast, catalog, deal):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=8)
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=4)
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, quantity=5)
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.licence.pk, quantity=900
    )
    version = quotes.quote_create(actor=cast.sales_rep, deal=deal).versions.get()

    warnings = selectors.stock_warnings(lines=selectors.quote_version_lines(version=version))

    # two lines of gateways add up to 12 of the 10 in stock; licences are not stocked
    assert [w.message for w in warnings] == [
        "Edge Gateway 3: 12 quoted, only 10 available (2 short)"
    ]


@pytest.mark.parametrize("who", ["teammate_rep", "other_team_rep", "marketer", "leadership"])
def test_only_the_deals_owner_and_their_manager_quote_it(cast, lined_deal, who):
    with pytest.raises(PermissionDenied):
        quotes.quote_create(actor=cast.by_role(who), deal=lined_deal)
    assert not Quote.objects.exists()
    assert quotes.quote_create(actor=cast.sales_manager, deal=lined_deal).number


def test_another_rep_cannot_revise_or_read_the_quote(cast, lined_deal):
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)

    with pytest.raises(PermissionDenied):
        quotes.quote_version_create(actor=cast.teammate_rep, quote=quote)
    with pytest.raises(PermissionDenied):
        selectors.quote_get_for_user(user=cast.teammate_rep, quote_id=quote.pk)
    assert list(selectors.quotes_for_user(user=cast.teammate_rep)) == []
    assert list(selectors.quotes_for_user(user=cast.marketer)) == [quote]


def test_a_declined_quote_takes_no_new_version(cast, lined_deal):
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    quotes.quote_decline(actor=cast.sales_rep, quote=quote)

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_version_create(actor=cast.sales_rep, quote=quote)
    assert refused.value.errors == {"quote": f"{quote.number} is declined"}


def _pdf_text(data: bytes) -> str:
    """The text of every page, with runs of whitespace (cell and line breaks) as one space."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_pdf_shows_number_version_customer_lines_totals_and_terms(cast, catalog, lined_deal):
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    gateways = lined_deal.lines.get(product=catalog.gateway)
    orders.deal_line_update(actor=cast.sales_rep, line=gateways, quantity=3)
    version = quotes.quote_version_create(actor=cast.sales_rep, quote=quote)

    data = quote_pdf(version=version, lines=selectors.quote_version_lines(version=version))

    text = _pdf_text(data)
    assert data.startswith(b"%PDF-")
    assert f"Quote {quote.number} · version 2" in text
    assert "Customer: Acme Plastics" in text
    assert "EG-3 Edge Gateway 3 3 1,400.00 10% 1,260.00 3,780.00" in text
    assert "PMS-LIC Predictive Maintenance licence 5 1,200.00 — 1,200.00 6,000.00" in text
    assert "Total at list prices 10,200.00" in text
    assert "Discount -420.00" in text
    assert "Total (EUR) 9,780.00" in text
    assert "Payment: 60 days net; Standard (30 days net)" in text
    assert "Delivery: Standard (delivered within 4 weeks)" in text


def test_the_pdf_names_the_configured_seller_with_address_tax_id_and_logo(
    cast, lined_deal, tmp_path
):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "navy").save(logo)
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    version = quote.versions.get()

    with override_settings(
        TANDEM_SELLER_NAME="Fjord Sensors AS",
        TANDEM_SELLER_ADDRESS=["Bryggen 4", "5003 Bergen", "Norway"],
        TANDEM_SELLER_TAX_ID="NO 912 345 678 MVA",
        TANDEM_SELLER_LOGO=str(logo),
    ):
        data = quote_pdf(version=version, lines=selectors.quote_version_lines(version=version))

    reader = PdfReader(io.BytesIO(data))
    text = _pdf_text(data)
    assert text.startswith(
        "Fjord Sensors AS Bryggen 4 5003 Bergen Norway Tax ID: NO 912 345 678 MVA"
    )
    assert reader.metadata.author == "Fjord Sensors AS"
    assert len(reader.pages[0].images) == 1
    assert DEMO_SELLER not in text


def test_the_pdf_names_no_seller_when_none_is_configured(cast, lined_deal, tmp_path):
    quote = quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    version = quote.versions.get()

    with override_settings(
        TANDEM_SELLER_NAME="",
        TANDEM_SELLER_ADDRESS=[],
        TANDEM_SELLER_TAX_ID="",
        TANDEM_SELLER_LOGO=str(tmp_path / "missing.png"),
    ):
        data = quote_pdf(version=version, lines=selectors.quote_version_lines(version=version))

    text = _pdf_text(data)
    assert text.startswith(f"Quote {quote.number} · version 1")
    assert DEMO_SELLER not in text and "Kestrel" not in text and "Tax ID" not in text
    assert not PdfReader(io.BytesIO(data)).pages[0].images


def test_quote_lines_are_copies_not_links(cast, catalog, lined_deal):
    quotes.quote_create(actor=cast.sales_rep, deal=lined_deal)
    lined_deal.lines.all().delete()

    assert QuoteLine.objects.count() == 2
