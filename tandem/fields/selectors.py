"""Reads of custom field definitions."""

from __future__ import annotations

from django.http import Http404

from tandem.fields.models import CustomField, Entity


def custom_fields_for(entity: Entity | str, *, with_archived: bool = False) -> list[CustomField]:
    """The entity's custom fields in page order (archived ones only when asked)."""
    fields = CustomField.objects.filter(entity=entity)
    if not with_archived:
        fields = fields.filter(is_archived=False)
    return list(fields)


def custom_fields_by_key(entity: Entity | str) -> dict[str, CustomField]:
    """The entity's fields (archived ones too: their values still exist) by key."""
    return {f.key: f for f in custom_fields_for(entity, with_archived=True)}


def custom_field_get(*, field_id: int) -> CustomField:
    """One definition by id (definitions are company settings: everyone may read them)."""
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise Http404("No such custom field")
    return field
