"""Typed values of custom fields: text as people type it in, JSON as records keep it.

``value_clean`` is the one gate every door passes a custom value through (record pages, forms,
the API, imports): it takes what was sent (text from a page or a file, JSON from the API) and
returns the value as the record keeps it, or raises ``ValueError`` with a message that names
the field's label. A blank value is ``None``: the field is left unset.

Numbers accept thousands separators and decimal commas as spreadsheets write them
("6,400,000", "1.234,56", "1 234,5"); dates accept ISO and the day-first and month-first
forms, a caller that knows which a file uses says so (``date_order``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from tandem.fields.models import CustomField, FieldKind

DateOrder = Literal["iso", "day_first", "month_first"]

_TRUE = frozenset({"yes", "y", "true", "t", "1", "on", "ja", "oui", "sí", "si", "x", "✓"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "off", "nein", "non"})
_SPACES = re.compile(r"[\s\u00a0\u202f']")
# Largest number kept: beyond it a float loses whole units (and it is a typo, not a value).
_LIMIT = Decimal(10) ** 15


def number_parse(text: str) -> Decimal:
    """A number as a person or a spreadsheet wrote it; ``ValueError`` if it is not one.

    The last of "," and "." is the decimal mark when both appear; one kind repeated, or
    followed by exactly three digits after a leading group, is a thousands separator."""
    raw = _SPACES.sub("", text.strip())
    for sign in ("€", "$", "£", "¥", "CHF", "USD", "EUR", "GBP"):
        raw = raw.replace(sign, "")
    if not raw:
        raise ValueError("is empty")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        raw = raw.replace(thousands, "").replace(decimal_mark, ".")
    elif raw.count(",") > 1 or raw.count(".") > 1:
        raw = raw.replace("," if raw.count(",") > 1 else ".", "")
    elif "," in raw:
        head, _, tail = raw.partition(",")
        # "6,400" is six thousand four hundred; "6,4" and "0,400" are decimals.
        grouped = len(tail) == 3 and head.lstrip("-+") not in ("", "0")
        raw = head + tail if grouped else f"{head}.{tail}"
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite() or abs(number) >= _LIMIT:
        raise ValueError(f"{text!r} is not a number Tandem can keep")
    return number


_DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "iso": ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"),
    "day_first": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"),
    "month_first": ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"),
}


def date_parse(text: str, *, date_order: DateOrder | None = None) -> dt.date:
    """A date in ISO form or as ``date_order`` says; ``ValueError`` naming what was tried.

    A time after the date (HubSpot's "2024-03-01 10:00") is ignored. Without ``date_order`` a
    slashed date is day-first only when the first part is above 12."""
    raw = text.strip()
    if "T" in raw[:11] or " " in raw[:11]:
        raw = raw.replace("T", " ").split(" ")[0]
    orders = ("iso", date_order) if date_order else ("iso", "month_first", "day_first")
    for order in orders:
        for fmt in _DATE_FORMATS[order]:
            try:
                return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 — a date, no zone
            except ValueError:
                continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def yes_no_parse(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def _choice(field: CustomField, value: Any) -> str:
    text = str(value).strip()
    for choice in field.choices:
        if choice.casefold() == text.casefold():
            return str(choice)
    raise ValueError(f"{text!r} is not one of {', '.join(map(str, field.choices))}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def value_clean(field: CustomField, value: Any, *, date_order: DateOrder | None = None) -> Any:
    """``value`` as the record keeps it in ``custom[field.key]``; None when blank.

    Raises ``ValueError("<label>: <what is wrong>")``."""
    if _blank(value):
        return None
    try:
        return _clean(field, value, date_order)
    except ValueError as error:
        raise ValueError(f"{field.label}: {error}") from None


def _clean(field: CustomField, value: Any, date_order: DateOrder | None) -> Any:
    kind = field.kind
    if kind == FieldKind.TEXT:
        text = str(value).strip()
        if len(text) > 2000:
            raise ValueError("is longer than 2,000 characters")
        return text
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        number = number_parse(str(value)) if isinstance(value, str) else Decimal(str(value))
        if not number.is_finite() or abs(number) >= _LIMIT:
            raise ValueError(f"{value!r} is not a number Tandem can keep")
        if kind == FieldKind.MONEY:
            # Money keeps its cents exactly: a string, as the API writes every amount.
            return str(number.quantize(Decimal("0.01")))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldKind.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        return date_parse(str(value), date_order=date_order).isoformat()
    if kind == FieldKind.YES_NO:
        return yes_no_parse(value)
    if kind == FieldKind.CHOICE:
        return _choice(field, value)
    if kind == FieldKind.CHOICES:
        items = value if isinstance(value, list) else re.split(r"[;|]", str(value))
        picked = [_choice(field, item) for item in items if not _blank(item)]
        return list(dict.fromkeys(picked)) or None
    raise ValueError(f"unknown kind {kind!r}")


def value_display(field: CustomField, value: Any) -> str:
    """A kept value as a page shows it."""
    if value is None:
        return ""
    if field.kind == FieldKind.YES_NO:
        return "Yes" if value else "No"
    if field.kind == FieldKind.CHOICES:
        return ", ".join(map(str, value))
    if field.kind == FieldKind.NUMBER:
        return f"{value:,}"
    if field.kind == FieldKind.MONEY:
        return f"{Decimal(value):,.2f}"
    return str(value)
