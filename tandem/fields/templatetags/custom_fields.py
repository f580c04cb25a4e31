"""The custom values panel a record's page includes with one line, and a list cell's value."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.access import policies
from tandem.fields.models import CustomField
from tandem.fields.selectors import custom_fields_for
from tandem.fields.values import value_display

register = template.Library()

# The record's resource in the permission matrix, by entity.
RESOURCE = {"contact": "contact", "account": "account", "deal": "deal"}


def panel_context(
    *, user: Any, record: Any, entity: str, errors: dict | None = None,
    sent: dict | None = None, saved: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """What ``fields/_values.html`` shows: each live field with its value (as displayed and
    as the edit form fills it), each archived field that still holds a value (read only),
    whether the user may edit them, and any errors by key."""
    errors = errors or {}
    rows = []
    for field in custom_fields_for(entity, with_archived=True):
        value = record.custom.get(field.key)
        if field.is_archived and value is None:
            continue
        rows.append(
            {
                "field": field,
                "display": value_display(field, value),
                "input": (sent or {}).get(field.key, _input_value(field, value)),
                "error": errors.get(f"custom.{field.key}", ""),
            }
        )
    return {
        "record": record,
        "entity": entity,
        "rows": rows,
        "editable": [r for r in rows if not r["field"].is_archived],
        "can_change": policies.can(user, "change", RESOURCE[entity], record),
        "has_errors": bool(errors),
        "saved": saved,
    }


def _input_value(field: CustomField, value: Any) -> Any:
    if value is None:
        return [] if field.kind == "choices" else ""
    if field.kind == "yes_no":
        return "yes" if value else "no"
    return value


@register.inclusion_tag("fields/_values.html", takes_context=True)
def custom_values_panel(context: template.Context, record: Any, entity: str) -> dict[str, Any]:
    """The record's custom values, editable in place by those who may change the record."""
    return {
        **panel_context(user=context["request"].user, record=record, entity=entity),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def custom_cell(record: Any, field: CustomField) -> str:
    """One custom value of a record as a list's cell shows it."""
    return value_display(field, record.custom.get(field.key))
