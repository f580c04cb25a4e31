"""The two clocks reports are read on: sales' periods to date and marketing's rolling months.

Plain datetime arithmetic, naive UTC, so that analyses run anywhere; the pages' own periods
(time-zone aware, Django) are :mod:`tandem.core.periods`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class Clock(StrEnum):
    """The period choices: the sales clock (to date) and the marketing clock (rolling)."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    ROLLING_6 = "6m"
    ROLLING_12 = "12m"
    ROLLING_18 = "18m"


SALES_CLOCK = (Clock.WEEK, Clock.MONTH, Clock.QUARTER)
MARKETING_CLOCK = (Clock.ROLLING_6, Clock.ROLLING_12, Clock.ROLLING_18)


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_window(period: Clock | str, as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """``(start, end)`` of ``period`` ending at ``as_of`` (naive, UTC), the start inclusive.

    week: from Monday 00:00; month: from the 1st; quarter: from the quarter's first day;
    ``Nm``: from the first day of the month ``N − 1`` months before ``as_of``'s month.
    """
    clock = Clock(period)
    day = as_of.date()
    if clock is Clock.WEEK:
        start = day - dt.timedelta(days=day.weekday())
    elif clock is Clock.MONTH:
        start = day.replace(day=1)
    elif clock is Clock.QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        start = _months_back(day.replace(day=1), int(clock.value.removesuffix("m")) - 1)
    return dt.datetime.combine(start, dt.time.min), as_of
