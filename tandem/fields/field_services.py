"""The doors' use cases on custom field definitions and values: permission, audit, and
``InvalidInput`` naming the form field (or ``custom.<key>``) of each problem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.db.models.lookups import In

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.fields.filters import ChoicesAny, custom_value
from tandem.fields.indexes import ENTITY_MODELS
from tandem.fields.models import CustomField, Entity, FieldKind
from tandem.fields.services import (
    CustomValuesInvalid,
    custom_field_define,
    custom_values_clean,
    custom_values_merge,
)

FIXED = "is fixed once the field exists: records, segments, rules, imports and the API use it"


def _invalid(error: ValueError) -> InvalidInput:
    """``custom_field_define``'s "Label: …" as ``InvalidInput({"label": "…"})``."""
    head, _, message = str(error).partition(": ")
    return InvalidInput({head.lower(): message or str(error)})


def custom_field_create(
    *,
    actor: Any,
    entity: str,
    label: str,
    kind: str,
    key: str = "",
    choices: list[str] | None = None,
    help_text: str = "",
    via: str = "ui",
) -> CustomField:
    """A new field on ``entity``; its key (from the label unless given) and kind stay."""
    policies.require(actor, "create", "custom_field")
    if len(help_text) > 300:
        raise InvalidInput.field("help_text", "must be at most 300 characters")
    if len(label.strip()) > 100:
        raise InvalidInput.field("label", "must be at most 100 characters")
    try:
        field = custom_field_define(
            entity=entity,
            label=label,
            kind=kind,
            key=key.strip(),
            choices=choices,
            help_text=help_text.strip(),
            created_by=actor,
        )
    except ValueError as error:
        raise _invalid(error) from None
    audit.record_created(actor=actor, obj=field, via=via)
    return field


def custom_field_update(
    *,
    actor: Any,
    field: CustomField,
    label: str | None = None,
    help_text: str | None = None,
    choices: list[str] | None = None,
    via: str = "ui",
    **fixed: Any,
) -> CustomField:
    """Change a field's label, help or choices. Its key and kind are refused with the reason;
    a choice still kept on some record cannot be removed (say which)."""
    policies.require(actor, "change", "custom_field", field)
    for name in ("key", "kind", "entity"):
        if name in fixed and fixed[name] is not None and fixed[name] != getattr(field, name):
            raise InvalidInput.field(name, f"the {name} {FIXED}")
    unknown = sorted(set(fixed) - {"key", "kind", "entity"})
    if unknown:
        raise InvalidInput.field(unknown[0], "cannot be changed")
    before = audit.snapshot(field)
    if label is not None:
        if not label.strip() or len(label.strip()) > 100:
            raise InvalidInput.field("label", "give the field a name of at most 100 characters")
        field.label = label.strip()
    if help_text is not None:
        if len(help_text) > 300:
            raise InvalidInput.field("help_text", "must be at most 300 characters")
        field.help_text = help_text.strip()
    if choices is not None:
        field.choices = _choices_checked(field, choices)
    field.save()
    audit.record_updated(actor=actor, obj=field, before=before, via=via)
    return field


def _choices_checked(field: CustomField, choices: list[str]) -> list[str]:
    if field.kind not in (FieldKind.CHOICE, FieldKind.CHOICES):
        raise InvalidInput.field("choices", f"only a choice field has choices ({field.label})")
    cleaned = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
    if not cleaned:
        raise InvalidInput.field("choices", "a choice field needs at least one choice")
    if any(len(c) > 100 for c in cleaned):
        raise InvalidInput.field("choices", "a choice is at most 100 characters")
    removed = [c for c in field.choices if c not in cleaned]
    if removed:
        model = apps.get_model(ENTITY_MODELS[field.entity])
        holds = (
            Q(ChoicesAny("custom", field.key, removed))
            if field.kind == FieldKind.CHOICES
            else Q(In(custom_value(field), removed))
        )
        used = model.objects.filter(holds).count()
        if used:
            raise InvalidInput.field(
                "choices",
                f"{', '.join(removed)} is still set on {used} {field.entity}"
                f"{'s' if used != 1 else ''}; change those records first",
            )
    return cleaned


def custom_field_archive(
    *, actor: Any, field: CustomField, is_archived: bool = True, via: str = "ui"
) -> CustomField:
    """Hide the field from pages, forms and filters (or show it again); values stay."""
    policies.require(actor, "delete", "custom_field", field)
    before = audit.snapshot(field)
    field.is_archived = is_archived
    field.save(update_fields=["is_archived"])
    audit.record_updated(actor=actor, obj=field, before=before, via=via)
    return field


def custom_field_move(*, actor: Any, field: CustomField, offset: int, via: str = "ui") -> None:
    """Move the field ``offset`` places up (negative) or down its entity's list."""
    policies.require(actor, "change", "custom_field", field)
    with transaction.atomic():
        siblings = list(
            CustomField.objects.select_for_update()
            .filter(entity=field.entity)
            .order_by("position", "label", "pk")
        )
        at = next(i for i, f in enumerate(siblings) if f.pk == field.pk)
        to = max(0, min(len(siblings) - 1, at + offset))
        siblings.insert(to, siblings.pop(at))
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                before = audit.snapshot(sibling)
                sibling.position = position
                sibling.save(update_fields=["position"])
                audit.record_updated(actor=actor, obj=sibling, before=before, via=via)
    field.refresh_from_db()


def custom_values_apply(
    *, entity: Entity | str, current: Mapping[str, Any], sent: Any, blanks_clear: bool = True
) -> dict[str, Any]:
    """A record's ``custom`` with the sent values applied (blanks clear them unless
    ``blanks_clear`` is off); ``InvalidInput`` naming each bad one as ``custom.<key>``."""
    if not isinstance(sent, Mapping):
        raise InvalidInput.field("custom", "give the custom values as an object by key")
    try:
        cleaned = custom_values_clean(entity, sent)
    except CustomValuesInvalid as exc:
        raise InvalidInput({f"custom.{k}": m for k, m in exc.errors.items()}) from None
    return custom_values_merge(current, cleaned, blanks_clear=blanks_clear)
