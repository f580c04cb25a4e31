"""Use cases on quotes: make one from a deal's lines, revise it, accept or decline it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.orders.models import LINE_FIELDS, DealLine, Order, Quote, QuoteLine, QuoteVersion
from tandem.orders.order_services import order_place
from tandem.orders.services import sequence_next
from tandem.sales.models import Deal

QUOTE_VALID_DAYS = 30


def quote_number(year: int, sequence: int) -> str:
    return f"Q-{year}-{sequence:04d}"


def _version_from_lines(*, actor: Any, quote: Quote, deal: Deal, version: int) -> QuoteVersion:
    lines = list(DealLine.objects.filter(deal=deal).order_by("position", "id"))
    if not lines:
        raise InvalidInput.field("lines", "add at least one line item to the deal first")
    now = timezone.now()
    made = QuoteVersion.objects.create(
        quote=quote,
        version=version,
        currency=lines[0].currency,
        list_total=sum((line.list_price * line.quantity for line in lines), Decimal("0.00")),
        amount=sum((line.amount for line in lines), Decimal("0.00")),
        cost_amount=sum((line.cost_amount for line in lines), Decimal("0.00")),
        valid_until=timezone.localdate() + dt.timedelta(days=QUOTE_VALID_DAYS),
        created_by=actor,
        created_at=now,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(version=made, **{f: getattr(line, f) for f in LINE_FIELDS}) for line in lines
    )
    return made


def quote_create(*, actor: Any, deal: Deal, via: str = "ui") -> Quote:
    """Quote the deal's current lines as version 1 of a new number (Q-<year>-<nnnn>).

    The number comes from a locked per-year sequence in the same transaction: numbers are
    unique, in order and without gaps, however many reps quote at once.
    """
    policies.require(actor, "create", "quote", deal)
    if not deal.is_open:
        raise InvalidInput.field("deal", f"this deal is {deal.stage.outcome}: no new quotes")
    now = timezone.now()
    year = timezone.localdate(now).year
    with transaction.atomic():
        sequence = sequence_next(kind="quote", year=year)
        quote = Quote.objects.create(
            deal=deal,
            number=quote_number(year, sequence),
            year=year,
            sequence=sequence,
            created_by=actor,
            created_at=now,
        )
        _version_from_lines(actor=actor, quote=quote, deal=deal, version=1)
        audit.record_created(actor=actor, obj=quote, via=via)
    return quote


def _open_quote_locked(quote: Quote) -> Quote:
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.status != Quote.Status.OPEN:
        raise InvalidInput.field("quote", f"{locked.number} is {locked.status}")
    return locked


def quote_version_create(*, actor: Any, quote: Quote, via: str = "ui") -> QuoteVersion:
    """A new version of an open quote from the deal's lines as they are now; older versions stay."""
    deal = quote.deal
    policies.require(actor, "change", "quote", deal)
    if not deal.is_open:
        raise InvalidInput.field("deal", f"this deal is {deal.stage.outcome}: no new versions")
    with transaction.atomic():
        locked = _open_quote_locked(quote)
        latest = locked.versions.aggregate(top=Max("version"))["top"] or 0
        version = _version_from_lines(actor=actor, quote=locked, deal=deal, version=latest + 1)
        audit.record_created(actor=actor, obj=version, via=via)
    return version


def quote_decline(*, actor: Any, quote: Quote, via: str = "ui") -> Quote:
    """The buyer said no (or the quote was made in error): it stays, numbered, as declined."""
    policies.require(actor, "change", "quote", quote.deal)
    with transaction.atomic():
        locked = _open_quote_locked(quote)
        before = audit.snapshot(locked)
        locked.status = Quote.Status.DECLINED
        locked.save(update_fields=["status"])
        audit.record_updated(actor=actor, obj=locked, before=before, via=via)
    quote.status = locked.status
    return quote


def quote_delete(*, actor: Any, quote: Quote, via: str = "ui") -> None:
    """Delete a quote no order came from; the audit trail keeps its number."""
    policies.require(actor, "delete", "quote", quote.deal)
    if Order.objects.filter(quote_version__quote=quote).exists():
        raise InvalidInput.field("quote", f"{quote.number} became an order: it stays")
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=quote, via=via)
        quote.delete()


def quote_accept(
    *,
    actor: Any,
    quote: Quote,
    backorder_line_ids: Collection[int] = (),
    via: str = "ui",
) -> Order:
    """The buyer accepted the latest version: it becomes an order reserving stock.

    A line that stock cannot cover is refused unless its id is in ``backorder_line_ids``,
    in which case what is missing is recorded as a backorder on the order line. An open deal
    is marked won (through the sales services, so the fit review can still stop it).
    """
    return order_place(
        actor=actor, quote=quote, backorder_line_ids=set(backorder_line_ids), via=via
    )
