"""The hand-off API's response bodies (and the input only the API has): service levels,
feedback, scoring, the predictive score, routing rules and reps. The inputs shared with the
set-up page live in ``tandem.handoff.schemas``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class RepLevelOut(Schema):
    rep_id: int | None
    rep: str
    handed_off: int
    met: int
    breached: int
    waiting: int
    compliance: float | None
    cadence: float | None


class TeamLevelOut(Schema):
    team_id: int | None
    team: str
    handed_off: int
    met: int
    breached: int
    waiting: int
    compliance: float | None
    cadence: float | None


class BreachOut(Schema):
    lead_id: int
    contact: str
    assigned_to_id: int | None
    overdue_hours: float
    is_open: bool


class SalesPromiseOut(Schema):
    first_touch_hours: int
    follow_up_attempts: int
    follow_up_days: int
    handed_off: int
    met: int
    breached: int
    compliance: float | None
    cadence: float | None
    waiting_lead_ids: list[int]
    breaches: list[BreachOut]
    reps: list[RepLevelOut]
    teams: list[TeamLevelOut]


class MarketingPromiseOut(Schema):
    revenue_goal: float = Field(description="The quarterly revenue goal.")
    period_revenue_goal: float = Field(
        description="The goal scaled to the whole period (a week 1/13 of a quarter, a month "
        "1/3, 6/12/18 months 2/4/6 quarters); leads_needed derives from it."
    )
    quarters: float = Field(description="How many quarters the period is.")
    average_deal: float | None
    lead_to_won: float | None
    leads_needed: int | None
    leads_delivered: int
    accepted: int
    rejected: int
    acceptance_rate: float | None
    minimum_acceptance: float
    progress: float | None
    explanation: str


class ServiceLevelSettingsOut(Schema):
    first_touch_hours: int
    warn_before_minutes: int
    workday_start_hour: int
    workday_end_hour: int
    follow_up_attempts: int
    follow_up_days: int
    quarterly_revenue_goal: float
    minimum_acceptance_rate: float


class ServiceLevelsOut(Schema):
    period: str
    since: dt.datetime
    until: dt.datetime
    settings: ServiceLevelSettingsOut
    sales: SalesPromiseOut
    marketing: MarketingPromiseOut


class FeedbackRowOut(Schema):
    group: str
    decided: int
    rejected: int
    rejection_rate: float | None
    reasons: dict[str, int]


class IcpRuleOut(Schema):
    id: int | None
    kind: str
    field: str
    values: list[str]
    points: int
    label: str


class TouchWeightOut(Schema):
    kind: str
    points: int
    daily_cap: int


class ScoringOut(Schema):
    mql_threshold: int
    half_life_days: float
    window_days: int
    fit_cuts: list[int]
    engagement_cuts: list[int]
    predictive_min_leads: int
    weights: list[TouchWeightOut]
    rules: list[IcpRuleOut]
    rules_are_defaults: bool
    rule_types: dict[str, list[str]]


class PredictiveOut(Schema):
    is_ready: bool
    message: str
    trained_at: dt.datetime | None
    training_rows: int
    positives: int
    evaluation: dict[str, Any]


class RoutingRuleOut(Schema):
    id: int
    position: int
    name: str
    field: str
    values: list[str]
    segment_id: int | None
    team_id: int
    is_active: bool


class RepOut(Schema):
    id: int
    name: str
    team_id: int | None
    team: str | None
    lead_capacity: int
    is_available_for_leads: bool
    waiting: int


class RepPatch(Schema):
    lead_capacity: int | None = Field(
        None, description="Most leads the rep holds waiting at once (1 to 500)."
    )
    is_available_for_leads: bool | None = Field(
        None, description="False while the rep is away: routing gives them no new leads."
    )
