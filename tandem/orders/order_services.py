"""Orders: placing one from an accepted quote (reserving stock), fulfilment, cancellation.

Stock rows are locked with ``select_for_update`` in product-id order, always, so two orders
touching the same products queue instead of deadlocking, and a reservation is computed from
the stock as the previous holder of the lock left it: concurrent orders never oversell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.orders.business_events import order_placed_event
from tandem.orders.models import (
    LINE_FIELDS,
    Order,
    OrderLine,
    OrderStatus,
    Quote,
    QuoteLine,
    StockLevel,
    StockMovement,
)
from tandem.orders.services import sequence_next
from tandem.sales import services as sales
from tandem.sales.models import Deal, PipelineStage

NEXT_STATUS = {
    OrderStatus.CONFIRMED: OrderStatus.SHIPPED,
    OrderStatus.SHIPPED: OrderStatus.DELIVERED,
    OrderStatus.DELIVERED: OrderStatus.INVOICED,
}
BOUGHT = (OrderStatus.DELIVERED, OrderStatus.INVOICED)


def order_number(year: int, sequence: int) -> str:
    return f"O-{year}-{sequence:04d}"


def _stock_locked(product_ids: Iterable[int]) -> dict[int, StockLevel]:
    """Lock the stock rows of ``product_ids`` in id order (the one order every caller uses)."""
    ids = sorted(set(product_ids))
    for product_id in ids:
        StockLevel.objects.get_or_create(product_id=product_id)
    rows = StockLevel.objects.select_for_update().filter(product_id__in=ids).order_by("product_id")
    return {row.product_id: row for row in rows}


def _movement(
    line: OrderLine, order: Order, kind: str, actor: Any, **changes: int
) -> StockMovement:
    return StockMovement(
        product_id=line.product_id,
        kind=kind,
        order=order,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=timezone.now(),
        note=order.number,
        **changes,
    )


def _short_message(line: QuoteLine, wanted: int, reserve: int) -> str:
    return (
        f"{line.product}: {wanted} wanted, {reserve} available — lower the quantity or accept "
        f"a backorder of {wanted - reserve}"
    )


def _reservations_plan(
    version: Any, backorder_line_ids: set[int]
) -> tuple[dict[int, StockLevel], list[tuple[QuoteLine, int, int]]]:
    """The stock rows of the version's stocked products, locked in product order, and per line
    what it reserves and what it backorders; refused when a line would be short and was not
    allowed to be backordered. Reservations are counted in memory, so a second line of the same
    product sees the first's."""
    lines = list(version.lines.select_related("product").order_by("position", "id"))
    unknown = backorder_line_ids - {line.pk for line in lines}
    if unknown:
        raise InvalidInput.field(
            "backorder_line_ids", f"not lines of this version: {sorted(unknown)}"
        )
    stock = _stock_locked(line.product_id for line in lines if line.product.is_stocked)
    plans: list[tuple[QuoteLine, int, int]] = []
    shortfalls: list[str] = []
    for line in lines:
        if not line.product.is_stocked:
            plans.append((line, 0, 0))
            continue
        row = stock[line.product_id]
        reserve = min(line.quantity, row.available)
        row.reserved += reserve
        short = line.quantity - reserve
        if short and line.pk not in backorder_line_ids:
            shortfalls.append(_short_message(line, line.quantity, reserve))
        plans.append((line, reserve, short))
    if shortfalls:
        raise InvalidInput.field("backorder_line_ids", "; ".join(shortfalls))
    return stock, plans


def order_place(
    *, actor: Any, quote: Quote, backorder_line_ids: set[int], via: str = "ui"
) -> Order:
    """Turn the quote's latest version into an order; see ``quote_services.quote_accept``."""
    deal = Deal.objects.select_related("stage", "pipeline").get(pk=quote.deal_id)
    policies.require(actor, "create", "order", deal)
    if deal.stage.outcome == PipelineStage.Outcome.LOST:
        raise InvalidInput.field("deal", "this deal is lost: reopen it before taking an order")
    now = timezone.now()
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        if locked.status != Quote.Status.OPEN:
            raise InvalidInput.field("quote", f"{locked.number} is {locked.status}")
        version = locked.versions.order_by("-version").first()
        if version is None:
            raise InvalidInput.field("quote", f"{locked.number} has no version")
        if version.valid_until < timezone.localdate(now):
            raise InvalidInput.field(
                "quote", f"version {version.version} expired on {version.valid_until}"
            )
        stock, plans = _reservations_plan(version, backorder_line_ids)
        year = timezone.localdate(now).year
        order = Order.objects.create(
            number=order_number(year, sequence_next(kind="order", year=year)),
            deal=deal,
            quote_version=version,
            account_id=deal.account_id,
            is_repeat=deal.account_id is not None
            and Order.objects.filter(account_id=deal.account_id, status__in=BOUGHT).exists(),
            currency=version.currency,
            amount=version.amount,
            cost_amount=version.cost_amount,
            created_by=actor,
            confirmed_at=now,
        )
        order_lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                reserved=reserve,
                backordered=short,
                **{f: getattr(line, f) for f in LINE_FIELDS},
            )
            for line, reserve, short in plans
        )
        for row in stock.values():
            StockLevel.objects.filter(pk=row.pk).update(reserved=row.reserved)
        StockMovement.objects.bulk_create(
            _movement(ol, order, StockMovement.Kind.RESERVATION, actor, reserved_change=ol.reserved)
            for ol in order_lines
            if ol.reserved
        )
        before = audit.snapshot(locked)
        locked.status = Quote.Status.ACCEPTED
        locked.save(update_fields=["status"])
        audit.record_updated(actor=actor, obj=locked, before=before, via=via)
        audit.record_created(actor=actor, obj=order, via=via)
        order_placed_event(order, order_lines)
        if deal.is_open:
            # Through the sales services: the fit review may refuse, and then nothing is kept.
            sales.deal_close_won(actor=actor, deal=deal, amount=version.amount, via=via)
            deal.cost_amount = version.cost_amount
            deal.save(update_fields=["cost_amount"])
    quote.status = Quote.Status.ACCEPTED
    return order


def _order_locked(actor: Any, order: Order) -> Order:
    policies.require(actor, "change", "order", order.deal)
    return Order.objects.select_for_update().get(pk=order.pk)


def order_advance(*, actor: Any, order: Order, via: str = "ui") -> Order:
    """The next fulfilment step: confirmed → shipped → delivered → invoiced.

    Shipping turns each reservation into a stock decrease; an order still waiting for
    backordered units cannot ship (fill the backorders first).
    """
    with transaction.atomic():
        locked = _order_locked(actor, order)
        after = NEXT_STATUS.get(OrderStatus(locked.status))
        if after is None:
            raise InvalidInput.field("status", f"{locked.number} is {locked.status}: no next step")
        lines = list(locked.lines.select_related("product"))
        if after == OrderStatus.SHIPPED:
            waiting = [line for line in lines if line.backordered]
            if waiting:
                raise InvalidInput.field(
                    "status",
                    "waiting for backordered units: "
                    + ", ".join(f"{line.backordered} × {line.product}" for line in waiting),
                )
            _ship(actor, locked, lines)
        before = audit.snapshot(locked)
        now = timezone.now()
        locked.status = after
        stamp = f"{after.value}_at"
        setattr(locked, stamp, now)
        locked.save(update_fields=["status", stamp])
        audit.record_updated(actor=actor, obj=locked, before=before, via=via)
    return locked


def _ship(actor: Any, order: Order, lines: list[OrderLine]) -> None:
    held = [line for line in lines if line.reserved]
    _stock_locked(line.product_id for line in held)
    for line in held:
        StockLevel.objects.filter(product_id=line.product_id).update(
            on_hand=F("on_hand") - line.reserved, reserved=F("reserved") - line.reserved
        )
    StockMovement.objects.bulk_create(
        _movement(
            line,
            order,
            StockMovement.Kind.SHIPMENT,
            actor,
            on_hand_change=-line.reserved,
            reserved_change=-line.reserved,
        )
        for line in held
    )
    # Shipped units are gone from stock; what the line held is now delivered to the buyer.
    OrderLine.objects.filter(pk__in=[line.pk for line in held]).update(reserved=0)


def reservations_release(actor: Any, order: Order) -> None:
    """Give back to stock what the order's lines hold (the caller holds the order's lock)."""
    held = list(order.lines.filter(reserved__gt=0))
    _stock_locked(line.product_id for line in held)
    for line in held:
        StockLevel.objects.filter(product_id=line.product_id).update(
            reserved=F("reserved") - line.reserved
        )
    StockMovement.objects.bulk_create(
        _movement(line, order, StockMovement.Kind.RELEASE, actor, reserved_change=-line.reserved)
        for line in held
    )
    order.lines.update(reserved=0, backordered=0)


def order_cancel(*, actor: Any, order: Order, via: str = "ui") -> Order:
    """Cancel an order that has not shipped; its reservations go back to stock."""
    with transaction.atomic():
        locked = _order_locked(actor, order)
        if locked.status != OrderStatus.CONFIRMED:
            raise InvalidInput.field(
                "status",
                f"{locked.number} is {locked.status}: only a confirmed order can be cancelled",
            )
        reservations_release(actor, locked)
        before = audit.snapshot(locked)
        locked.status, locked.cancelled_at = OrderStatus.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        audit.record_updated(actor=actor, obj=locked, before=before, via=via)
    return locked


def order_backorders_fill(*, actor: Any, order: Order, via: str = "ui") -> Order:
    """Reserve what has come into stock for the order's backordered units."""
    with transaction.atomic():
        locked = _order_locked(actor, order)
        if locked.status != OrderStatus.CONFIRMED:
            raise InvalidInput.field("status", f"{locked.number} is {locked.status}")
        waiting = list(locked.lines.filter(backordered__gt=0).order_by("position", "id"))
        stock = _stock_locked(line.product_id for line in waiting)
        filled: list[tuple[OrderLine, int]] = []
        for line in waiting:
            row = stock[line.product_id]
            take = min(line.backordered, row.available)
            if take:
                row.reserved += take
                line.reserved += take
                line.backordered -= take
                line.save(update_fields=["reserved", "backordered"])
                filled.append((line, take))
        for row in stock.values():
            StockLevel.objects.filter(pk=row.pk).update(reserved=row.reserved)
        StockMovement.objects.bulk_create(
            _movement(line, locked, StockMovement.Kind.RESERVATION, actor, reserved_change=take)
            for line, take in filled
        )
        if not filled:
            raise InvalidInput.field("backordered", "nothing has come into stock for it yet")
    return locked


def order_delete(*, actor: Any, order: Order, via: str = "ui") -> None:
    """Delete an order entered in error (admins): reservations are released, the quote reopens."""
    policies.require(actor, "delete", "order", order.deal)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.CONFIRMED:
            reservations_release(actor, locked)
        audit.record_deleted(actor=actor, obj=locked, via=via)
        quote_id = locked.quote_version.quote_id
        locked.delete()
        Quote.objects.filter(pk=quote_id).update(status=Quote.Status.OPEN)
