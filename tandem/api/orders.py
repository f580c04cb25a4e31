"""API routes for the catalog (products and stock), deal line items, quotes and orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.api.schemas import ErrorOut
from tandem.errors import InvalidInput
from tandem.orders import order_services, selectors, services
from tandem.orders import quote_services as quotes
from tandem.orders.models import DealLine, Order, OrderStatus, Product, Quote
from tandem.orders.schemas import DealLineIn, DealLinePatch, QuoteAcceptIn
from tandem.sales import selectors as sales_selectors

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    unit: str
    unit_cost: Decimal
    list_price: Decimal
    is_active: bool
    is_custom: bool
    is_stocked: bool
    on_hand: int
    reserved: int
    available: int


class StockMovementOut(Schema):
    kind: str
    on_hand_change: int
    reserved_change: int
    order_id: int | None
    note: str
    at: dt.datetime


class StockOut(Schema):
    product_id: int
    on_hand: int
    reserved: int
    available: int
    movements: list[StockMovementOut]


class LineOut(Schema):
    id: int
    product_id: int
    sku: str
    product_name: str
    quantity: int
    list_price: Decimal
    discount_percent: Decimal
    net_price: Decimal
    amount: Decimal
    cost_amount: Decimal
    margin: Decimal
    payment_terms: str
    delivery_terms: str
    flags: list[str] = Field(description="Why the line leaves the standard offer, if it does.")


class DealLineOut(LineOut):
    deal_id: int
    currency: str


class StockWarningOut(Schema):
    product_id: int
    product: str
    wanted: int
    available: int
    message: str


class QuoteVersionOut(Schema):
    version: int
    currency: str
    list_total: Decimal
    amount: Decimal
    cost_amount: Decimal
    valid_until: dt.date
    created_at: dt.datetime
    pdf_url: str


class QuoteOut(Schema):
    id: int
    number: str
    deal_id: int
    status: str
    created_at: dt.datetime
    versions: list[QuoteVersionOut]
    lines: list[LineOut] = Field(description="The latest version's lines.")
    stock_warnings: list[StockWarningOut] = Field(
        description="Products of the latest version that stock cannot cover right now."
    )


class QuoteListOut(Schema):
    id: int
    number: str
    deal_id: int
    status: str
    created_at: dt.datetime


class OrderLineOut(LineOut):
    reserved: int
    backordered: int


class OrderSummaryOut(Schema):
    id: int
    number: str
    deal_id: int
    account_id: int | None
    quote_id: int
    quote_version: int
    status: str
    is_repeat: bool
    currency: str
    amount: Decimal
    cost_amount: Decimal
    confirmed_at: dt.datetime
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    invoiced_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class OrderOut(OrderSummaryOut):
    lines: list[OrderLineOut]


def _product_out(product: Product) -> dict[str, Any]:
    stock = selectors.stock_of(product)
    data = {f: getattr(product, f) for f in ProductOut.model_fields if hasattr(product, f)}
    data.update(on_hand=stock.on_hand, reserved=stock.reserved, available=stock.available)
    return data


def _line_out(line: Any) -> dict[str, Any]:
    return {
        "id": line.pk,
        "product_id": line.product_id,
        "sku": line.product.sku,
        "product_name": line.product.name,
        **{
            f: getattr(line, f)
            for f in (
                "quantity",
                "list_price",
                "discount_percent",
                "net_price",
                "amount",
                "cost_amount",
                "margin",
                "payment_terms",
                "delivery_terms",
            )
        },
        "flags": selectors.offer_flags(line),
    }


def _deal_line_out(line: DealLine) -> dict[str, Any]:
    return {**_line_out(line), "deal_id": line.deal_id, "currency": line.currency}


def _quote_out(quote: Quote) -> dict[str, Any]:
    versions = selectors.quote_versions(quote=quote)
    lines = selectors.quote_version_lines(version=versions[0]) if versions else []
    return {
        "id": quote.pk,
        "number": quote.number,
        "deal_id": quote.deal_id,
        "status": quote.status,
        "created_at": quote.created_at,
        "versions": [
            {
                **{f: getattr(v, f) for f in QuoteVersionOut.model_fields if f != "pdf_url"},
                "pdf_url": f"/orders/quotes/{quote.pk}/v{v.version}.pdf",
            }
            for v in versions
        ],
        "lines": [_line_out(line) for line in lines],
        "stock_warnings": [
            {**w.__dict__, "message": w.message} for w in selectors.stock_warnings(lines=lines)
        ],
    }


def _order_summary(order: Order) -> dict[str, Any]:
    data = {f: getattr(order, f) for f in OrderSummaryOut.model_fields if hasattr(order, f)}
    data.update(quote_id=order.quote_version.quote_id, quote_version=order.quote_version.version)
    return data


def _order_out(order: Order) -> dict[str, Any]:
    return {
        **_order_summary(order),
        "lines": [
            {**_line_out(line), "reserved": line.reserved, "backordered": line.backordered}
            for line in selectors.order_lines(order=order)
        ],
    }


# -- products --------------------------------------------------------------------------------


@router.get("/products", response={200: list[ProductOut], **ERRORS}, tags=["catalog"])
@paginate(LimitOffsetPagination)
def products_list(request, search: str = "", include_inactive: bool = False):
    """The catalog with stock: available = on hand − reserved for orders."""
    products = selectors.products_for_user(
        user=request.auth, search=search, include_inactive=include_inactive
    )
    return _Page(products.order_by("id"), _product_out)


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS}, tags=["catalog"])
def products_get(request, product_id: int):
    return _product_out(selectors.product_get_for_user(user=request.auth, product_id=product_id))


@router.get("/products/{product_id}/stock", response={200: StockOut, **ERRORS}, tags=["catalog"])
def products_stock(request, product_id: int):
    """Stock on hand and reserved, with the last 50 movements (newest first)."""
    product = selectors.product_get_for_user(user=request.auth, product_id=product_id)
    stock = selectors.stock_of(product)
    return {
        "product_id": product.pk,
        "on_hand": stock.on_hand,
        "reserved": stock.reserved,
        "available": stock.available,
        "movements": list(selectors.stock_movements(product=product)),
    }


class _Page:
    """A lazily shaped page: only the rows of the requested slice are turned into dicts."""

    def __init__(self, queryset, shape):
        self.queryset, self.shape = queryset, shape

    def __len__(self) -> int:
        return self.queryset.count()

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return [self.shape(row) for row in self.queryset[item]]


# -- deal lines ------------------------------------------------------------------------------


@router.get("/deals/{deal_id}/lines", response={200: list[DealLineOut], **ERRORS}, tags=["deals"])
def deal_lines_list(request, deal_id: int):
    deal = sales_selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    return [_deal_line_out(line) for line in selectors.deal_lines(deal=deal)]


@router.post("/deals/{deal_id}/lines", response={201: DealLineOut, **ERRORS}, tags=["deals"])
def deal_lines_create(request, deal_id: int, payload: DealLineIn):
    """Add a product at its list price; the deal's amount and cost follow its lines.

    A discount above the maximum is refused (422 naming `discount_percent`).
    """
    deal = sales_selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    try:
        line = services.deal_line_add(
            actor=request.auth,
            deal=deal,
            product_id=payload.product_id,
            quantity=payload.quantity,
            discount_percent=payload.discount_percent,
            payment_terms=payload.payment_terms,
            delivery_terms=payload.delivery_terms,
            via="api",
        )
    except InvalidInput as exc:
        raise _renamed(exc) from None
    return Status(201, _deal_line_out(line))


def _renamed(exc: InvalidInput) -> InvalidInput:
    # The services speak of the UI's "product"; the API's field is product_id.
    return InvalidInput({("product_id" if f == "product" else f): m for f, m in exc.errors.items()})


@router.patch("/deal-lines/{line_id}", response={200: DealLineOut, **ERRORS}, tags=["deals"])
def deal_lines_update(request, line_id: int, payload: DealLinePatch):
    line = selectors.deal_line_get_for_user(user=request.auth, line_id=line_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput.field("", "nothing to change")
    line = services.deal_line_update(actor=request.auth, line=line, via="api", **changes)
    return _deal_line_out(line)


@router.delete("/deal-lines/{line_id}", response={204: None, **ERRORS}, tags=["deals"])
def deal_lines_delete(request, line_id: int):
    line = selectors.deal_line_get_for_user(user=request.auth, line_id=line_id)
    services.deal_line_remove(actor=request.auth, line=line, via="api")
    return Status(204, None)


# -- quotes ----------------------------------------------------------------------------------


@router.get("/quotes", response={200: list[QuoteListOut], **ERRORS}, tags=["quotes"])
@paginate(LimitOffsetPagination)
def quotes_list(request, deal_id: int | None = None):
    return selectors.quotes_for_user(user=request.auth, deal_id=deal_id).order_by("id")


@router.post("/deals/{deal_id}/quotes", response={201: QuoteOut, **ERRORS}, tags=["quotes"])
def quotes_create(request, deal_id: int):
    """Quote the deal's current lines: a new number (Q-<year>-<nnnn>), version 1."""
    deal = sales_selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    quote = quotes.quote_create(actor=request.auth, deal=deal, via="api")
    return Status(201, _quote_out(quote))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS}, tags=["quotes"])
def quotes_get(request, quote_id: int):
    return _quote_out(selectors.quote_get_for_user(user=request.auth, quote_id=quote_id))


@router.post("/quotes/{quote_id}/versions", response={201: QuoteOut, **ERRORS}, tags=["quotes"])
def quotes_version_create(request, quote_id: int):
    """A new version from the deal's lines as they are now; older versions stay read-only."""
    quote = selectors.quote_get_for_user(user=request.auth, quote_id=quote_id)
    quotes.quote_version_create(actor=request.auth, quote=quote, via="api")
    return Status(201, _quote_out(quote))


@router.post("/quotes/{quote_id}/accept", response={201: OrderOut, **ERRORS}, tags=["quotes"])
def quotes_accept(request, quote_id: int, payload: QuoteAcceptIn):
    """The buyer accepted the latest version: an order reserves stock; an open deal is won."""
    quote = selectors.quote_get_for_user(user=request.auth, quote_id=quote_id)
    order = quotes.quote_accept(
        actor=request.auth, quote=quote, backorder_line_ids=payload.backorder_line_ids, via="api"
    )
    return Status(201, _order_out(order))


# -- orders ----------------------------------------------------------------------------------


@router.get("/orders", response={200: list[OrderSummaryOut], **ERRORS}, tags=["orders"])
@paginate(LimitOffsetPagination)
def orders_list(request, status: str = "", account_id: int | None = None):
    if status and status not in OrderStatus.values:
        raise InvalidInput.field("status", f"choose one of: {', '.join(OrderStatus.values)}")
    qs = selectors.orders_for_user(user=request.auth, status=status, account_id=account_id)
    return _Page(qs.select_related("quote_version").order_by("id"), _order_summary)


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, tags=["orders"])
def orders_get(request, order_id: int):
    return _order_out(selectors.order_get_for_user(user=request.auth, order_id=order_id))


@router.post("/orders/{order_id}/advance", response={200: OrderOut, **ERRORS}, tags=["orders"])
def orders_advance(request, order_id: int):
    """The next fulfilment step: confirmed → shipped → delivered → invoiced."""
    order = selectors.order_get_for_user(user=request.auth, order_id=order_id)
    order_services.order_advance(actor=request.auth, order=order, via="api")
    return _order_out(selectors.order_get_for_user(user=request.auth, order_id=order_id))


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS}, tags=["orders"])
def orders_cancel(request, order_id: int):
    """Cancel an order that has not shipped; its reservations go back to stock."""
    order = selectors.order_get_for_user(user=request.auth, order_id=order_id)
    order_services.order_cancel(actor=request.auth, order=order, via="api")
    return _order_out(selectors.order_get_for_user(user=request.auth, order_id=order_id))
