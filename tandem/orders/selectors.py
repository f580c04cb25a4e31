"""Queries on the catalog, deal lines, quotes and orders, filtered by what the user may see.

Quotes and orders belong to their deal's owner: the permission checks pass the deal, and the
lists keep the rows whose deal the matrix lets the user reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from tandem.access import policies
from tandem.orders import pricing
from tandem.orders.models import (
    DealLine,
    Order,
    PriceList,
    PriceListItem,
    Product,
    Quote,
    QuoteVersion,
    StockLevel,
    StockMovement,
)
from tandem.sales.models import Deal


def products_for_user(
    *, user: Any, search: str = "", include_inactive: bool = False
) -> QuerySet[Product]:
    qs = policies.visible(user, "product", Product.objects.select_related("stock"))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    return qs


def product_get_for_user(*, user: Any, product_id: int) -> Product:
    return policies.get_visible(
        user, "product", Product.objects.select_related("stock"), product_id
    )


def product_prices(*, product: Product) -> QuerySet[PriceListItem]:
    return PriceListItem.objects.filter(product=product).select_related("price_list")


def price_lists() -> QuerySet[PriceList]:
    return PriceList.objects.all()


def stock_of(product: Product) -> StockLevel:
    """The product's stock row (an empty one, unsaved, for a product that never had stock)."""
    try:
        return product.stock
    except StockLevel.DoesNotExist:
        return StockLevel(product=product)


def stock_movements(*, product: Product, limit: int = 50) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(product=product).select_related("actor", "order")[:limit]


def _deals_reached(user: Any, resource: str, action: str = "view") -> QuerySet[Any, Any]:
    return policies.visible(user, resource, Deal.objects.all(), action).values("pk")


def deal_lines(*, deal: Deal) -> QuerySet[DealLine]:
    """The lines of a deal the caller has already fetched through ``deal_get_for_user``."""
    return DealLine.objects.filter(deal=deal).select_related("product")


def deal_line_get_for_user(*, user: Any, line_id: int) -> DealLine:
    line = (
        DealLine.objects.select_related("deal__stage", "deal__owner", "product")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise Http404("No such line item")
    policies.require(user, "view", "deal", line.deal)
    return line


@dataclass(frozen=True)
class DealTotals:
    """A deal's lines summed up: list value, discount given, amount, cost, margin."""

    list_total: Decimal
    amount: Decimal
    cost_amount: Decimal

    @property
    def discount(self) -> Decimal:
        return self.list_total - self.amount

    @property
    def margin(self) -> Decimal:
        return self.amount - self.cost_amount

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.amount:
            return None
        return (self.margin * 100 / self.amount).quantize(Decimal("0.1"))


def totals_of(lines: list[Any]) -> DealTotals:
    zero = Decimal("0.00")
    return DealTotals(
        list_total=sum((line.list_price * line.quantity for line in lines), zero),
        amount=sum((line.amount for line in lines), zero),
        cost_amount=sum((line.cost_amount for line in lines), zero),
    )


def quotes_for_user(*, user: Any, deal_id: int | None = None) -> QuerySet[Quote]:
    qs = Quote.objects.filter(deal__in=_deals_reached(user, "quote")).select_related(
        "deal__account", "created_by"
    )
    if deal_id:
        qs = qs.filter(deal_id=deal_id)
    return qs


def quote_get_for_user(*, user: Any, quote_id: int) -> Quote:
    quote = (
        Quote.objects.select_related("deal__stage", "deal__owner", "deal__account", "deal__contact")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise Http404("No such quote")
    policies.require(user, "view", "quote", quote.deal)
    return quote


def quote_versions(*, quote: Quote) -> list[QuoteVersion]:
    return list(quote.versions.select_related("created_by").order_by("-version"))


def quote_version_lines(*, version: QuoteVersion) -> list[Any]:
    return list(version.lines.select_related("product").order_by("position", "id"))


@dataclass(frozen=True)
class StockWarning:
    """Stock cannot cover a quoted product: how many are wanted and how many are available."""

    product_id: int
    product: str
    wanted: int
    available: int

    @property
    def short(self) -> int:
        return self.wanted - self.available

    @property
    def message(self) -> str:
        return (
            f"{self.product}: {self.wanted} quoted, only {self.available} available "
            f"({self.short} short)"
        )


def stock_warnings(*, lines: list[Any]) -> list[StockWarning]:
    """Stocked products on ``lines`` whose quantity is more than is available right now."""
    wanted: dict[int, int] = {}
    names: dict[int, str] = {}
    for line in lines:
        if line.product.is_stocked:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
            names[line.product_id] = str(line.product)
    if not wanted:
        return []
    available = {
        row.product_id: row.available for row in StockLevel.objects.filter(product_id__in=wanted)
    }
    return [
        StockWarning(pid, names[pid], qty, available.get(pid, 0))
        for pid, qty in wanted.items()
        if qty > available.get(pid, 0)
    ]


def offer_flags(line: Any) -> list[str]:
    """Why a line leaves the standard offer (shown beside it; the fit review reads the same)."""
    flags = []
    if pricing.is_discount_flagged(line.discount_percent):
        flags.append("discount above review threshold")
    if not line.has_standard_terms:
        flags.append("non-standard terms")
    if line.product.is_custom:
        flags.append("custom item")
    return flags


def orders_for_user(
    *, user: Any, status: str = "", account_id: int | None = None, deal_id: int | None = None
) -> QuerySet[Order]:
    qs = Order.objects.filter(deal__in=_deals_reached(user, "order")).select_related(
        "account", "deal"
    )
    if status:
        qs = qs.filter(status=status)
    if account_id:
        qs = qs.filter(account_id=account_id)
    if deal_id:
        qs = qs.filter(deal_id=deal_id)
    return qs


def order_get_for_user(*, user: Any, order_id: int) -> Order:
    order = (
        Order.objects.select_related(
            "deal__owner", "deal__stage", "account", "quote_version__quote", "created_by"
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404("No such order")
    policies.require(user, "view", "order", order.deal)
    return order


def order_lines(*, order: Order) -> list[Any]:
    return list(order.lines.select_related("product").order_by("position", "id"))


def repeat_order_revenue(*, account_id: int) -> Decimal:
    """What an account spent on repeat orders (delivered or invoiced): lifetime-value input."""
    total = Order.objects.filter(
        account_id=account_id, is_repeat=True, status__in=("delivered", "invoiced")
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")
