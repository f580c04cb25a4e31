"""A quote version as a printable PDF (ReportLab, pure Python, standard fonts)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tandem.core.seller import Seller, seller_identity
from tandem.orders.models import DeliveryTerms, PaymentTerms, QuoteVersion


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%" if value else "—"


LOGO_HEIGHT = 14 * mm


def _logo(path: Any) -> Image:
    """The logo at a fixed height, its width kept in proportion."""
    logo = Image(str(path))
    logo.drawWidth = LOGO_HEIGHT * logo.imageWidth / logo.imageHeight
    logo.drawHeight = LOGO_HEIGHT
    logo.hAlign = "LEFT"
    return logo


def _seller_heading(seller: Seller, para: Any) -> list[Flowable]:
    """The seller's logo, name, address and tax id: whichever are configured."""
    heading: list[Flowable] = []
    if seller.logo_file is not None:
        heading += [_logo(seller.logo_file), Spacer(1, 2 * mm)]
    if seller.name:
        heading.append(para(seller.name, "Heading2"))
    heading += [para(line) for line in seller.address]
    if seller.tax_id:
        heading.append(para(f"Tax ID: {seller.tax_id}"))
    return heading


def _lines_table(version: QuoteVersion, lines: list[Any], styles: Any) -> Table:
    """The quote's lines with list price, discount and amount, then the totals."""
    rows: list[list[Any]] = [
        ["SKU", "Product", "Qty", "List price", "Discount", "Net price", "Amount"]
    ]
    for line in lines:
        rows.append(
            [
                line.product.sku,
                Paragraph(escape(line.product.name), styles["BodyText"]),
                str(line.quantity),
                _money(line.list_price),
                _percent(line.discount_percent),
                _money(line.net_price),
                _money(line.amount),
            ]
        )
    discount = version.list_total - version.amount
    rows += [
        ["", "Total at list prices", "", "", "", "", _money(version.list_total)],
        ["", "Discount", "", "", "", "", _money(-discount) if discount else "0.00"],
        ["", f"Total ({version.currency})", "", "", "", "", _money(version.amount)],
    ]
    table = Table(
        rows,
        colWidths=[24 * mm, 56 * mm, 12 * mm, 22 * mm, 18 * mm, 22 * mm, 22 * mm],
        repeatRows=1,
    )
    body_end = len(lines)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, body_end), (-1, body_end), 0.5, colors.grey),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    return table


def quote_pdf(*, version: QuoteVersion, lines: list[Any], seller: Seller | None = None) -> bytes:
    """The quote version as PDF bytes: the seller (from the settings unless given), number,
    version, customer, lines, totals and terms."""
    seller = seller if seller is not None else seller_identity()
    quote = version.quote
    deal = quote.deal
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Quote {quote.number} version {version.version}",
        author=seller.name,
    )

    def para(text: str, style: str = "Normal") -> Paragraph:
        return Paragraph(escape(text), styles[style])

    customer = deal.account.name if deal.account else ""
    contact = str(deal.contact) if deal.contact else ""
    story: list[Any] = [
        *_seller_heading(seller, para),
        para(f"Quote {quote.number} · version {version.version}", "Title"),
        para(f"Customer: {customer or contact or deal.name}"),
    ]
    if contact and customer:
        story.append(para(f"Attention: {contact}"))
    story += [
        para(f"Deal: {deal.name}"),
        para(
            f"Date: {version.created_at:%Y-%m-%d} · valid until {version.valid_until:%Y-%m-%d} · "
            f"prices in {version.currency}"
        ),
        Spacer(1, 6 * mm),
    ]
    table = _lines_table(version, lines, styles)
    story += [table, Spacer(1, 6 * mm), para("Terms", "Heading3")]
    payment = sorted({PaymentTerms(line.payment_terms).label for line in lines})
    delivery = sorted({DeliveryTerms(line.delivery_terms).label for line in lines})
    story.append(para("Payment: " + "; ".join(payment)))
    story.append(para("Delivery: " + "; ".join(delivery)))
    story.append(
        para(
            f"This quote is valid until {version.valid_until:%Y-%m-%d}. Stocked items are "
            "reserved when the order is confirmed."
        )
    )
    doc.build(story)
    return out.getvalue()
