"""The clocks: sales reads this week, month and quarter; marketing reads rolling 6–18 months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: dt.datetime
    end: dt.datetime


PERIOD_LABELS = {
    "week": "This week",
    "month": "This month",
    "quarter": "This quarter",
    "6m": "Last 6 months",
    "12m": "Last 12 months",
    "18m": "Last 18 months",
}
SALES_CLOCK = ("week", "month", "quarter")
MARKETING_CLOCK = ("6m", "12m", "18m")


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(key: str, *, now: dt.datetime | None = None) -> Period:
    """The period named ``key`` ending now; unknown keys fall back to this quarter."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    if key not in PERIOD_LABELS:
        key = "quarter"
    if key == "week":
        start_day = today - dt.timedelta(days=today.weekday())
    elif key == "month":
        start_day = today.replace(day=1)
    elif key == "quarter":
        start_day = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    else:
        start_day = _months_back(today.replace(day=1), int(key.removesuffix("m")) - 1)
    start = timezone.make_aware(dt.datetime.combine(start_day, dt.time.min))
    return Period(key=key, label=PERIOD_LABELS[key], start=start, end=now)


def period_context(request: Any, default: str, keys: tuple[str, ...] | None = None) -> dict:
    """The period a page's ``?period=`` asks for (else ``default``) and the choices to offer.

    ``keys`` limits the choices to one clock; every page with a period picker starts here.
    """
    period = period_for(request.GET.get("period", default))
    choices = [(k, v) for k, v in PERIOD_LABELS.items() if keys is None or k in keys]
    return {"period": period, "period_choices": choices}
