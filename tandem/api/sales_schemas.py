"""The sales API's own request and response bodies (the inputs shared with the deal pages
live in ``tandem.sales.schemas``)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema


class WorkDealOut(Schema):
    id: int
    name: str
    pipeline_id: int
    stage_id: int
    stage_name: str
    outcome: str
    owner_id: int
    account_id: int | None
    amount: Decimal
    expected_close_on: dt.date | None
    forecast_category: str
    next_step: str
    next_step_due_on: dt.date | None
    is_flagged: bool
    source: str
    partner_id: int | None
    custom: dict[str, Any]


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    outcome: str


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    stages: list[StageOut]


class PipelineIn(Schema):
    name: str
    stages: list[tuple[str, int]] | None = None


class MemberOut(Schema):
    id: int
    contact_id: int
    role: str
    pain_points: str
    preferred_channel: str
    timeline: str
    decision_on: dt.date | None


class AnswerOut(Schema):
    question_id: int
    question: str
    is_key: bool
    stage_id: int
    choice: str
    text: str


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    deal_id: int | None
    contact_id: int | None
    owner_id: int
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    outcome: str
    notes: str


class DecisionOut(Schema):
    team: str
    decision: str
    rationale: str
    decided_by_id: int
    decided_at: dt.datetime


class ReviewOut(Schema):
    id: int
    deal_id: int
    status: str
    concerns: list[dict]
    opened_at: dt.datetime
    decided_at: dt.datetime | None
    decisions: list[DecisionOut]


class QuotaOut(Schema):
    id: int
    user_id: int | None
    team_id: int | None
    period_kind: str
    period_start: dt.date
    amount: Decimal


class ForecastOut(Schema):
    kind: str
    start: dt.date
    end: dt.date
    won: Decimal
    weighted: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    history_expected: Decimal
    history_low: Decimal
    history_high: Decimal
    called: Decimal
