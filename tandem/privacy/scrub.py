"""Finding and replacing one person's identifiers in text and JSON columns.

The erase knows where a person's rows are (``privacy.erasers``); what it cannot know is where
someone typed their name or pasted their address: a comment on a deal, a note, the body of a
webhook already sent, a task's arguments, the audit trail's values. Those columns are searched
for the person's identifiers (full name, email addresses, phone) and each hit is replaced by
``[erased]``, the rest of the text kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

ERASED = "[erased]"
TEXT_TYPES = frozenset(
    {"CharField", "TextField", "EmailField", "URLField", "SlugField", "GenericIPAddressField"}
)


@dataclass
class Identifiers:
    """What names one person in free text. ``strong`` are searched for everywhere (they name
    this person and no one else: the full name, the addresses, the phone); ``weak`` (first
    and last name alone) only in the rows known to be about them."""

    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, *, first_name: str, last_name: str, emails: Iterable[str], phone: str
    ) -> Identifiers:
        full = f"{first_name} {last_name}".strip()
        strong = [e for e in emails if e] + [v for v in (full, phone.strip()) if len(v) >= 5]
        weak = [v for v in (first_name.strip(), last_name.strip()) if len(v) >= 3]
        return cls(strong=_with_escapes(strong), weak=_with_escapes(weak))

    def pattern(self, *, linked: bool) -> re.Pattern[str] | None:
        words = self.strong + (self.weak if linked else [])
        if not words:
            return None
        return re.compile("|".join(re.escape(w) for w in _longest_first(words)), re.IGNORECASE)


def _with_escapes(values: list[str]) -> list[str]:
    # JSON written with escapes (``\u00e9``) hides a name from a plain search.
    escaped = [json.dumps(v)[1:-1] for v in values]
    return _longest_first(values + [e for e in escaped if e not in values])


def _longest_first(values: list[str]) -> list[str]:
    return sorted(set(values), key=lambda v: (-len(v), v))


def scrub_value(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """``value`` (text or JSON) with every identifier replaced; the same object when none."""
    if pattern is None or value is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrub_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, pattern) for k, v in value.items()}
    return value


def text_columns(model: type[models.Model]) -> list[models.Field]:
    """The columns of ``model`` that can hold a name or an address (text and JSON)."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.get_internal_type() in TEXT_TYPES or isinstance(f, models.JSONField)
    ]


def matching(model: type[models.Model], columns: Iterable[str], words: Iterable[str]) -> Q:
    """Rows of ``model`` whose ``columns`` contain any of ``words`` (case-insensitive)."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    query = Q()
    for name in columns:
        target = f"{name}__icontains"
        if isinstance(fields[name], models.JSONField):
            target = f"_privacy_{name}__icontains"
        for word in words:
            query |= Q(**{target: word})
    return query


def rows_scrub(
    queryset: models.QuerySet,
    identifiers: Identifiers,
    *,
    columns: Iterable[str] | None = None,
    linked: bool,
    search: bool = True,
) -> int:
    """Replace the identifiers in ``columns`` (default: every text and JSON column) of the
    rows of ``queryset``; with ``search`` only the rows the database finds them in are read
    (found by the strong identifiers, or the weak too when ``linked``: rows known to be about
    the person). Returns how many rows changed."""
    model = queryset.model
    names = list(columns) if columns is not None else [f.name for f in text_columns(model)]
    # A row found holding their full name or address is about them: their first or last
    # name alone goes too.
    pattern = identifiers.pattern(linked=True)
    if pattern is None or not names:
        return 0
    json_names = [n for n in names if isinstance(model._meta.get_field(n), models.JSONField)]
    if search:
        words = identifiers.strong + (identifiers.weak if linked else [])
        queryset = queryset.annotate(
            **{f"_privacy_{n}": Cast(n, TextField()) for n in json_names}
        ).filter(matching(model, names, words))
    changed = 0
    for row in queryset.only("pk", *names).iterator(chunk_size=500):
        values = {n: scrub_value(getattr(row, n), pattern) for n in names}
        values = {n: v for n, v in values.items() if v != getattr(row, n)}
        if values:
            model._default_manager.filter(pk=row.pk).update(**values)
            changed += 1
    return changed
