"""Inputs on custom field definitions, one definition each for the settings page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from pydantic import Field

from tandem.core.typed_input import TextAsSent
from tandem.fields.models import Entity, FieldKind


class CustomFieldIn(TextAsSent):
    entity: Entity
    label: str = Field(max_length=100)
    kind: FieldKind
    key: str = Field(
        "",
        max_length=60,
        description="The name in the records' data, exports and the API; made from the label "
        "if not given. Fixed once the field exists.",
    )
    choices: list[str] = Field(default_factory=list, description="For a choice field, in order.")
    help_text: str = Field("", max_length=300)


class CustomFieldPatch(TextAsSent):
    label: str | None = Field(None, max_length=100)
    help_text: str | None = Field(None, max_length=300)
    choices: list[str] | None = Field(
        None, description="The whole list; a choice still set on a record cannot be removed."
    )
    key: str | None = Field(None, description="Fixed: a different one is refused with the reason.")
    kind: str | None = Field(None, description="Fixed: a different one is refused with the reason.")
    is_archived: bool | None = Field(None, description="Archived fields are hidden; values stay.")
    move: int | None = Field(
        None, description="Move the field this many places up (negative) or down its list."
    )
