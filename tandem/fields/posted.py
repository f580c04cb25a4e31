"""Custom values as a page's form sends them (``cf_<key>`` inputs) and as it shows them again.

A record's panel, the contact create page and the deal create page take the same inputs: one
per live field (several choices as checkboxes). An archived field's value sent anyway goes on
to the service, which refuses it by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tandem.fields.models import FieldKind
from tandem.fields.selectors import custom_fields_for


def custom_values_posted(entity: str, post: Any) -> dict[str, Any]:
    """The form's values by key: several choices as a list, every other kind as text."""
    sent: dict[str, Any] = {}
    for field in custom_fields_for(entity, with_archived=True):
        name = f"cf_{field.key}"
        if field.is_archived:
            if name in post:
                sent[field.key] = post.get(name, "")
        elif field.kind == FieldKind.CHOICES:
            sent[field.key] = post.getlist(name)
        elif name in post:
            sent[field.key] = post.get(name, "")
    return sent


def custom_input_rows(
    entity: str, *, sent: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The inputs of a new record's form (``fields/_inputs.html``): each live field with what
    was sent and its error (``custom.<key>``)."""
    sent, errors = sent or {}, errors or {}
    return [
        {
            "field": field,
            "input": sent.get(field.key, [] if field.kind == FieldKind.CHOICES else ""),
            "error": errors.get(f"custom.{field.key}", ""),
        }
        for field in custom_fields_for(entity)
    ]


def custom_errors_unshown(rows: list[dict[str, Any]], errors: Mapping[str, str]) -> list[str]:
    """The custom values' errors no input of ``rows`` shows (an archived or unknown field)."""
    shown = {f"custom.{row['field'].key}" for row in rows}
    return [m for k, m in errors.items() if k.startswith("custom.") and k not in shown]
