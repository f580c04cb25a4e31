"""API routes for custom field definitions (the values are read and written on the records)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema, Status
from pydantic import Field

from tandem.access import policies
from tandem.api.schemas import ErrorOut
from tandem.errors import InvalidInput
from tandem.fields import field_services as services
from tandem.fields.models import CustomField, Entity
from tandem.fields.schemas import CustomFieldIn, CustomFieldPatch
from tandem.fields.selectors import custom_field_get, custom_fields_for

router = Router(tags=["custom fields"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    kind: str
    choices: list[str]
    help_text: str
    position: int
    is_archived: bool
    is_indexed: bool = Field(description="Whether filters on it have their expression index.")


def _out(field: CustomField) -> dict[str, Any]:
    return {name: getattr(field, name) for name in CustomFieldOut.model_fields}


@router.get("/custom-fields", response={200: list[CustomFieldOut], **ERRORS})
def custom_fields_list(request, entity: Entity | None = None, with_archived: bool = False):
    """The company's custom fields (of one entity if given), in page order."""
    policies.require(request.auth, "view", "custom_field")
    entities = [entity] if entity else list(Entity)
    return [_out(f) for e in entities for f in custom_fields_for(e, with_archived=with_archived)]


@router.post("/custom-fields", response={201: CustomFieldOut, **ERRORS})
def custom_fields_create(request, payload: CustomFieldIn):
    """A new field; its key (from the label unless given) and kind are fixed from then on."""
    field = services.custom_field_create(actor=request.auth, via="api", **payload.model_dump())
    return Status(201, _out(field))


@router.patch("/custom-fields/{field_id}", response={200: CustomFieldOut, **ERRORS})
def custom_fields_update(request, field_id: int, payload: CustomFieldPatch):
    """Change the label, help or choices, archive or restore, or move the field."""
    field = custom_field_get(field_id=field_id)
    data = payload.model_dump(exclude_unset=True)
    if not data:
        raise InvalidInput.field("", "nothing to change")
    archived, move = data.pop("is_archived", None), data.pop("move", None)
    if data:
        services.custom_field_update(actor=request.auth, field=field, via="api", **data)
    if archived is not None:
        services.custom_field_archive(
            actor=request.auth, field=field, is_archived=archived, via="api"
        )
    if move:
        services.custom_field_move(actor=request.auth, field=field, offset=move, via="api")
    return _out(field)


@router.post("/custom-fields/{field_id}/archive", response={200: CustomFieldOut, **ERRORS})
def custom_fields_archive(request, field_id: int):
    """Archive a field: hidden from pages, forms and filters; its values stay on the records."""
    field = custom_field_get(field_id=field_id)
    services.custom_field_archive(actor=request.auth, field=field, via="api")
    return _out(field)
