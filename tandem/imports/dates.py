"""Which order a file writes its dates in (03/04/2025: March or April?), decided per file.

A date whose first part is above 12 can only be day-first, one whose second part is above 12
only month-first. Files agree with themselves, so the order the unambiguous dates show is the
order assumed for all of them; when none shows it, dates written with dots (31.01.2025) are
day-first and slashes month-first, as the spreadsheets of those countries write them. What was
assumed is said on the page ("dates read as day/month/year").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from tandem.imports.reading import RowRead

_SLASHED = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T].*)?$")
SCAN_ROWS = 20_000
DESCRIPTIONS = {
    "day_first": "dates read as day/month/year",
    "month_first": "dates read as month/day/year",
    "iso": "dates read as year-month-day",
}


def date_order_detect(rows: Iterable[RowRead], columns: list[int] | None = None) -> str:
    """ "day_first", "month_first", or "iso" when the file has no slashed dates (in
    ``columns``, or any column)."""
    day = month = dots = slashes = 0
    for row in itertools.islice(rows, SCAN_ROWS):
        cells = row.cells if columns is None else [row.cells[i] for i in columns]
        for cell in cells:
            found = _SLASHED.match(cell) if cell and cell[0].isdigit() else None
            if found is None:
                continue
            first, separator, second = int(found[1]), found[2], int(found[3])
            day += first > 12 >= second
            month += second > 12 >= first
            dots += separator == "."
            slashes += separator == "/"
    if day or month:
        return "day_first" if day >= month else "month_first"
    if dots or slashes:
        return "day_first" if dots > slashes else "month_first"
    return "iso"


def date_order_describe(order: str) -> str:
    return DESCRIPTIONS.get(order, DESCRIPTIONS["iso"])
