"""Inputs of the people area, one definition each for the contact page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tandem.people.lifecycle import Stage


class LifecycleMoveIn(BaseModel):
    to_stage: Stage
    reason: str = Field("", max_length=500)
    nurture_until: dt.date | None = Field(
        None,
        description="When recycling: nurtured by marketing until then (90 days if not given).",
    )


class MergeIn(BaseModel):
    kept_id: int = Field(description="The record that stays.")
    merged_id: int = Field(description="The record merged into it, then deleted.")
    choices: dict[str, Literal["kept", "merged", "both"]] = Field(
        default_factory=dict,
        description=(
            "Per differing field (custom values as `custom.<key>`), whose value the kept "
            "record takes; a field not named keeps the kept record's value unless it is blank "
            "(audience types: both). `both` only for `audience_flags`."
        ),
    )


class DismissalIn(BaseModel):
    kind: Literal["contact", "account"] = Field(description="Two contacts, or two accounts.")
    ids: list[int] = Field(description="The two records that are not one.")


class ConsentIn(BaseModel):
    channel: Literal["email", "phone", "sms"]
    is_granted: bool
    wording: str = Field(
        "",
        max_length=2000,
        description="What the contact agreed to, in the words they were given (or said).",
    )
