"""Inputs of imports, one definition each for the wizard's pages, the API and the CLI.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ObjectTypeIn = Literal["accounts", "contacts", "deals"]
ModeIn = Literal["create_only", "update_only", "create_and_update"]
DateOrderIn = Literal["", "iso", "day_first", "month_first"]


class ImportConfigIn(BaseModel):
    mapping: dict[str, str] = Field(
        description=(
            "{column header: target}: a Tandem field (email, account.domain, stage, owner …), "
            "custom:<key>, new_custom:<kind> (a new custom field labelled as the column) or "
            '"" to skip the column.'
        )
    )
    value_maps: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description=(
            "{target: {value in the file: Tandem value}} for lifecycle_stage, stage and owner."
        ),
    )
    mode: ModeIn = "create_and_update"
    blanks_overwrite: bool = Field(False, description="Whether a blank cell clears a value.")
    date_order: DateOrderIn = Field(
        "", description='How 03/04/2026 is read: day_first, month_first, or "" (as detected).'
    )


class PresetSaveIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


# The wizard's pages: step 1 (the kind of records; the file comes in request.FILES), the
# options of step 3 and the preset asked for on step 2. (No docstrings on the page's schemas.)
class UploadForm(BaseModel):
    object_type: ObjectTypeIn = Field("contacts", title="Kind of records")


class OptionsForm(BaseModel):
    mode: ModeIn = Field("create_and_update", title="What to do with each row")
    blanks_overwrite: bool = False
    date_order: DateOrderIn = Field("", title="Dates")
