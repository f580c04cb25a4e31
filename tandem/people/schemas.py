"""Inputs of the people area, one definition each for the contact page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from tandem.people.lifecycle import Stage


class LifecycleMoveIn(BaseModel):
    to_stage: Stage
    reason: str = Field("", max_length=500)
    nurture_until: dt.date | None = Field(
        None,
        description="When recycling: nurtured by marketing until then (90 days if not given).",
    )
