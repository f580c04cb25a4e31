"""Inputs of deals, one definition each for the deal page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field


class DealIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    contact_id: int | None = None
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    expected_close_on: dt.date | None = None


class DealPatch(BaseModel):
    stage_id: int | None = None
    private_notes: str | None = Field(None, max_length=20000)


class DealWinIn(BaseModel):
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)


class DealLoseIn(BaseModel):
    reason: str


class AnswerIn(BaseModel):
    choice: str = ""
    text: str = ""


class CompleteIn(BaseModel):
    outcome: str = ""
    notes: str = ""


class DecisionIn(BaseModel):
    decision: str
    rationale: str
    team: str = ""
