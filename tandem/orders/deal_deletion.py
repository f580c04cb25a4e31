"""What deleting a deal does to its quotes, orders and the stock they hold.

A confirmed order is stock promised to a customer and a shipped, delivered or invoiced one is
a sale on the books: a deal with such an order is not deleted (cancel the order first, or
have an admin delete one entered in error). Cancelled orders and the quotes go with the deal;
should a cancelled order still hold stock (data from before cancelling released it), that
stock is released in the same transaction, with a stock movement and an audit entry.
"""

from __future__ import annotations

from typing import Any

from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.orders.models import Order, OrderStatus, Quote
from tandem.orders.order_services import reservations_release
from tandem.sales.models import Deal
from tandem.sales.services import deal_delete_step

# Orders that keep their deal: stock promised to the customer, or a sale already made.
KEEP_DEAL = (
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.INVOICED,
)


@deal_delete_step("orders")
def deal_orders_settle(*, actor: Any, deal: Deal, via: str) -> None:
    """Refuse while an order keeps the deal; release what the others hold; audit them all."""
    # The quotes are locked first: ``order_place`` locks its quote before creating an order,
    # so no order can appear on this deal between this check and the delete.
    quotes = list(Quote.objects.select_for_update().filter(deal=deal).order_by("pk"))
    orders = list(Order.objects.select_for_update().filter(deal=deal).order_by("number"))
    live = [order for order in orders if order.status in KEEP_DEAL]
    if live:
        raise InvalidInput.field(
            "deal",
            "this deal has orders: "
            + ", ".join(f"{order.number} ({order.get_status_display().lower()})" for order in live)
            + " — cancel a confirmed order (or have an admin delete one entered in error) before "
            "deleting the deal; a shipped, delivered or invoiced order keeps its deal",
        )
    for order in orders:
        if order.lines.filter(reserved__gt=0).exists():
            reservations_release(actor, order)
        audit.record_deleted(actor=actor, obj=order, via=via)
    for quote in quotes:
        audit.record_deleted(actor=actor, obj=quote, via=via)
