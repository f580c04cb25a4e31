"""Inputs of deals, one definition each for the deal page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator

CUSTOM_IN = (
    "Custom field values by key (see /custom-fields); a blank clears one. A refused value, "
    'or one of an archived field, answers 422 naming it: {"field": "custom.region_code", …}.'
)


class DealIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    contact_id: int | None = None
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    expected_close_on: dt.date | None = None
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_IN)


# The deal create page names the contact by email (the API by ``DealIn.contact_id``); its
# custom values come as the record pages send them (``fields.posted``).
class DealNewForm(BaseModel):
    name: str = ""
    contact_email: str = ""
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    expected_close_on: dt.date | None = None


class DealPatch(BaseModel):
    stage_id: int | None = None
    private_notes: str | None = Field(None, max_length=20000)
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN)


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


# The page's "done" form: the API's input, and where to go back to (the day view or the deal).
# Its fields are all plain text, so reading it cannot fail.
class ActivityDoneForm(CompleteIn):
    back_to: str = ""


class DecisionIn(BaseModel):
    decision: str
    rationale: str
    team: str = ""


class DealWorkPatch(BaseModel):
    expected_close_on: dt.date | None = None
    forecast_category: str | None = None
    next_step: str | None = None
    next_step_due_on: dt.date | None = None
    source: str | None = None
    partner_id: int | None = None
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN)


# The deal page's working fields: the API's, with the partner named as the form shows it (the
# API gives its id). A field the form sends blank is cleared; one it leaves out stays.
class DealWorkForm(DealWorkPatch):
    partner: str | None = None


# The page moves a deal by its stage (the API through ``DealPatch.stage_id``); the board's form
# also says it came from the board, which redraws itself in place.
class DealMoveIn(BaseModel):
    stage_id: int = 0
    came_from: str = ""

    @field_validator("stage_id", mode="before")
    @classmethod
    def _no_such_stage(cls, value: object) -> object:
        # A stage that is not a number is no stage of the pipeline: the service says so, and the
        # board still learns where the move came from to redraw itself.
        return value if str(value).strip().isdigit() else 0


class MemberIn(BaseModel):
    contact_id: int
    role: str
    pain_points: str = ""
    preferred_channel: str = ""
    timeline: str = ""
    decision_on: dt.date | None = None


# The deal page seats a contact by email (the API by ``MemberIn.contact_id``).
class CommitteeSeatIn(BaseModel):
    email: str = ""
    role: str = ""
    pain_points: str = ""
    preferred_channel: str = ""
    timeline: str = ""
    decision_on: dt.date | None = None


class ActivityIn(BaseModel):
    kind: str
    subject: str
    deal_id: int | None = None
    contact_id: int | None = None
    due_at: dt.datetime | None = None
    is_done: bool = False
    outcome: str = ""
    notes: str = ""


class ReviewOpenIn(BaseModel):
    reason: str = ""


class QuotaIn(BaseModel):
    amount: Decimal
    period_kind: str
    period_start: dt.date
    user_id: int | None = None
    team_id: int | None = None


# The targets page names whose quota it is in one choice, ``user:<id>`` or ``team:<id>`` (the
# API sends ``QuotaIn.user_id`` or ``team_id``); the period defaults to the one on screen.
class QuotaForm(BaseModel):
    who: str = ""
    amount: Decimal
    period_kind: str = ""
    period_start: dt.date | None = None

    @field_validator("who")
    @classmethod
    def _one_rep_or_team(cls, who: str) -> str:
        kind, _, pk = who.partition(":")
        if who and (kind not in ("user", "team") or not pk.isdigit()):
            raise ValueError("must be a rep or a team")
        return who

    @property
    def user_id(self) -> int | None:
        """The rep whose quota it is, if it is a rep's."""
        return int(self.who[5:]) if self.who.startswith("user:") else None

    @property
    def team_id(self) -> int | None:
        """The team whose quota it is, if it is a team's."""
        return int(self.who[5:]) if self.who.startswith("team:") else None


class AdjustmentIn(BaseModel):
    period_kind: str
    period_start: dt.date
    amount: Decimal
    reason: str


# A new pipeline on its page: its open stages one a line as "name, probability" (the API sends
# ``PipelineIn.stages`` as pairs); the service checks each probability.
class PipelineForm(BaseModel):
    name: str = ""
    stages: str = ""

    def stage_rows(self) -> list[tuple[str, str]] | None:
        """The stages typed, as (name, probability) pairs; None when none were."""
        rows = []
        for line in self.stages.splitlines():
            if line.strip():
                name, _, probability = line.rpartition(",")
                rows.append((name.strip() or probability.strip(), probability.strip()))
        return rows or None


# One stage of a pipeline renamed or re-weighted (``stage_id`` given) or a new open stage.
class StageIn(BaseModel):
    stage_id: int | None = None
    name: str = ""
    probability: int


# A playbook question edited (``question_id`` given, ``retire`` to retire it) or added to a stage.
class QuestionIn(BaseModel):
    question_id: int | None = None
    stage_id: int | None = None
    text: str = ""
    is_key: bool = False
    choices: str = ""
    retire: bool = False
