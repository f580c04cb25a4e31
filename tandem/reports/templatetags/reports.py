"""Number formats of the report pages: a missing figure is a dash, never 0 or NaN."""

from __future__ import annotations

from django import template

from tandem.access import policies

register = template.Library()
DASH = "—"


@register.filter
def pct(value: float | None, digits: int = 0) -> str:
    """0.4575 → "45.8 %" with ``digits=1``; None → "—"."""
    if value is None:
        return DASH
    return f"{value * 100:,.{int(digits)}f} %"


@register.filter
def money(value: float | None) -> str:
    """Whole currency units with thousands separators; None → "—"."""
    if value is None:
        return DASH
    return f"{value:,.0f}"


@register.filter
def num(value: float | None, digits: int = 1) -> str:
    """A figure with ``digits`` decimals and thousands separators; None → "—"."""
    if value is None:
        return DASH
    return f"{value:,.{int(digits)}f}"


@register.filter
def ratio(value: float | None) -> str:
    """CLV/CAC as "3.2×"; None → "—"."""
    if value is None:
        return DASH
    return f"{value:,.1f}×"


@register.filter
def get_item(mapping: dict, key: str):
    """``mapping[key]`` in a template; missing keys give an empty string."""
    return mapping.get(key, "")


@register.filter
def split_numbers(text: str) -> list[int]:
    """ "6 12 24" → [6, 12, 24], for a template's list of choices."""
    return [int(part) for part in text.split()]


@register.filter
def reads_reports(user) -> bool:
    """Whether the navigation shows Reports to ``user``."""
    return policies.can(user, "view", "shared_report")
