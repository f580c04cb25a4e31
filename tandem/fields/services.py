"""Writes of custom fields: define one, and apply sent values to a record's ``custom``.

``custom_field_define`` and ``custom_values_clean`` are the plain gates (the import calls
them with its own errors); ``custom_field_create/update/archive/move`` are the doors' use
cases (permission, audit, ``InvalidInput`` by form field) and ``custom_values_apply`` is what a
record's service calls with the values a page or the API sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.text import slugify

from tandem.fields.filters import KEY
from tandem.fields.models import CustomField, Entity, FieldKind
from tandem.fields.selectors import custom_fields_by_key
from tandem.fields.values import DateOrder, value_clean

# Why a value of an archived field is refused, as every door says it.
ARCHIVED = "the field is archived: its values are kept and shown, but no longer set"


class CustomValuesInvalid(ValueError):
    """Some sent values were refused; ``errors`` maps each key to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def custom_field_key_for(label: str) -> str:
    """The key a new field labelled ``label`` gets: lower-case, words joined by ``_``."""
    return slugify(label).replace("-", "_")[:60] or "field"


def custom_field_define(
    *,
    entity: Entity | str,
    label: str,
    kind: FieldKind | str,
    key: str = "",
    choices: list[str] | None = None,
    help_text: str = "",
    created_by: Any = None,
) -> CustomField:
    """Create a custom field; ``ValueError`` naming what is wrong (a taken key, no choices)."""
    label = label.strip()
    if not label:
        raise ValueError("Label: give the field a name")
    if kind not in FieldKind.values:
        raise ValueError(f"Kind: {kind!r} is not one of {', '.join(FieldKind.values)}")
    if entity not in Entity.values:
        raise ValueError(f"Entity: {entity!r} is not one of {', '.join(Entity.values)}")
    key = key or custom_field_key_for(label)
    if not KEY.match(key):
        raise ValueError("Key: use lower-case letters, digits, _ and - (at most 60)")
    cleaned_choices = [c.strip() for c in (choices or []) if c.strip()]
    if kind in (FieldKind.CHOICE, FieldKind.CHOICES) and not cleaned_choices:
        raise ValueError("Choices: a choice field needs at least one choice")
    if CustomField.objects.filter(entity=entity, key=key).exists():
        raise ValueError(f"Key: {entity} already has a field called {key!r}")
    position = CustomField.objects.filter(entity=entity).count()
    return CustomField.objects.create(
        entity=entity,
        key=key,
        label=label,
        kind=kind,
        choices=list(dict.fromkeys(cleaned_choices)),
        help_text=help_text,
        position=position,
        created_by=created_by,
    )


def custom_values_clean(
    entity: Entity | str,
    sent: Mapping[str, Any],
    *,
    fields: Mapping[str, CustomField] | None = None,
    date_order: DateOrder | None = None,
) -> dict[str, Any]:
    """The sent values (by key) cleaned; None for a blank one (the caller decides whether a
    blank clears). Raises ``CustomValuesInvalid`` with every refused key's message: an unknown
    key, a bad value, or an archived field (its values stay readable, but none is set)."""
    known = fields if fields is not None else custom_fields_by_key(entity)
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, raw in sent.items():
        field = known.get(key)
        if field is None:
            errors[key] = f"{key}: there is no such {entity} field"
            continue
        if field.is_archived:
            errors[key] = f"{field.label}: {ARCHIVED}"
            continue
        try:
            cleaned[key] = value_clean(field, raw, date_order=date_order)
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise CustomValuesInvalid(errors)
    return cleaned


def custom_values_merge(
    current: Mapping[str, Any], cleaned: Mapping[str, Any], *, blanks_clear: bool = True
) -> dict[str, Any]:
    """``current`` with ``cleaned`` applied: a None clears the key when ``blanks_clear``."""
    merged = dict(current)
    for key, value in cleaned.items():
        if value is None:
            if blanks_clear:
                merged.pop(key, None)
        else:
            merged[key] = value
    return merged
