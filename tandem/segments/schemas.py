"""Inputs of segments, one definition each for the segment editor and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tandem.segments.models import Segment


class SegmentIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Segment.Kind.DYNAMIC
    rule: Any = Field(None, description="The rule tree: {match: all|any, conditions: [...]}")
    description: str = ""
    is_exclusion: bool = False


class SegmentPatch(BaseModel):
    name: str | None = Field(None, max_length=200)
    rule: Any = None
    description: str | None = None
    is_exclusion: bool | None = None


# The editor's live count of a draft rule: the rule as the editor's JSON text, and the segment
# being edited (none for a new one). (No docstrings on the page's schemas either.)
class SegmentCountForm(BaseModel):
    rule: str = ""
    segment: int | None = None


class MemberAddForm(BaseModel):
    email: str = ""


class MembersRemoveForm(BaseModel):
    contact: list[str] = []
