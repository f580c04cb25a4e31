"""The relational half of repeat sales: from purchases to per-customer summaries, on the engine.

The purchases table has one row per purchase: ``customer_id`` (any type), ``purchased_at``
(timestamp or date) and ``amount`` (≥ 0). Purchases on the same day count as one (their amounts
add up); ``x`` is the number of purchase days after the first, ``t_x`` the days from the first
to the last, ``T`` the days from the first to the end of the observation.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from tandem.analytics.errors import InputError

REQUIRED_COLUMNS = ("customer_id", "purchased_at", "amount")
SECONDS_PER_DAY = 86_400.0


def purchase_rows(table: ibis.Table) -> ibis.Table:
    """The purchases as ``customer_id``, ``day`` (days since 1970-01-01) and ``amount``."""
    missing = [name for name in REQUIRED_COLUMNS if name not in table.columns]
    if missing:
        raise InputError(f"the purchases table lacks the column(s): {', '.join(missing)}")
    purchased_at = table.purchased_at
    if not purchased_at.type().is_timestamp():
        purchased_at = purchased_at.cast(dt.timestamp)
    seconds = purchased_at.epoch_seconds().cast(dt.float64)
    return table.select(
        customer_id=table.customer_id,
        day=(seconds / SECONDS_PER_DAY).floor().cast(dt.int64),
        amount=table.amount.cast(dt.float64),
    )


def input_problems(rows: ibis.Table) -> ibis.Table:
    """One row: the row count, the last day, and counts of rows that break the format."""
    return rows.aggregate(
        rows=_.count(),
        last_day=rows.day.max(),
        missing_customer_id=rows.customer_id.isnull().sum(),
        missing_purchased_at=rows.day.isnull().sum(),
        missing_amount=rows.amount.isnull().sum(),
        negative_amount=(rows.amount < 0).sum(),
    )


def customers(rows: ibis.Table, end_day: int) -> ibis.Table:
    """Per customer: ``x``, ``t_x`` and ``T`` in days and ``repeat_spend`` after the first day."""
    days = (
        rows.filter(rows.day <= end_day)
        .group_by(["customer_id", "day"])
        .aggregate(amount=_.amount.sum())
    )
    spans = days.group_by("customer_id").aggregate(
        first_day=days.day.min(),
        last_day=days.day.max(),
        purchase_days=_.count(),
        total=days.amount.sum(),
    )
    first = days.join(spans, [days.customer_id == spans.customer_id, days.day == spans.first_day])
    return first.select(
        customer_id=first.customer_id,
        x=first.purchase_days - 1,
        t_x=first.last_day - first.first_day,
        T=ibis.literal(end_day, type=dt.int64) - first.first_day,
        repeat_spend=first.total - first.amount,
    )


def repeat_summary(per_customer: ibis.Table) -> ibis.Table:
    """Deduplicated ``(x, t_x, T)`` with the number of customers sharing each."""
    return per_customer.group_by(["x", "t_x", "T"]).aggregate(customers=_.count())


def spend_summary(per_customer: ibis.Table) -> ibis.Table:
    """Repeat customers deduplicated on ``(x, t_x, T, m)``, ``m`` their average repeat spend."""
    repeat = per_customer.filter(per_customer.x > 0)
    averaged = repeat.mutate(m=repeat.repeat_spend / repeat.x.cast(dt.float64))
    return averaged.group_by(["x", "t_x", "T", "m"]).aggregate(customers=_.count())
