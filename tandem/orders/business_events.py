"""The order's business events (``core.business_events``) and the payload each carries.

Built from the order and the lines in hand, without a query. Documented shape:
``webhooks.payloads``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from tandem.core.business_events import business_event_announce
from tandem.orders.models import Order, OrderLine


def order_data(order: Order, lines: Iterable[OrderLine]) -> dict[str, Any]:
    """The order as webhooks tell it (payload version 1); money as text."""
    return {
        "id": order.pk,
        "number": order.number,
        "deal_id": order.deal_id,
        "account_id": order.account_id,
        "status": order.status,
        "currency": order.currency,
        "amount": str(order.amount),
        "is_repeat": order.is_repeat,
        "confirmed_at": order.confirmed_at.isoformat(),
        "lines": [
            {
                "product_id": line.product_id,
                "quantity": line.quantity,
                "net_price": str(line.net_price),
                "amount": str(line.amount),
                "reserved": line.reserved,
                "backordered": line.backordered,
            }
            for line in lines
        ],
    }


def order_placed_event(order: Order, lines: Iterable[OrderLine]) -> None:
    """Announce ``order.placed``."""
    business_event_announce(
        "order.placed",
        {"order": order_data(order, lines)},
        occurred_at=timezone.now(),
        subjects={"order": order.pk, "deal": order.deal_id},
    )
