"""API routes for the hand-off pages: service levels, feedback, scoring, predictive score and
routing rules, and the leads (hand-offs) with accept and reject."""

from __future__ import annotations

from typing import Any

from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.access import policies
from tandem.api.handoff_schemas import (
    FeedbackRowOut,
    IcpRuleOut,
    PredictiveOut,
    RepOut,
    RepPatch,
    RoutingRuleOut,
    ScoringOut,
    ServiceLevelSettingsOut,
    ServiceLevelsOut,
)
from tandem.api.sales import deal_out
from tandem.api.schemas import DealOut, ErrorOut, LeadOut, LeadRejectIn
from tandem.core.periods import PERIOD_LABELS, period_for
from tandem.errors import InvalidInput
from tandem.handoff import icp_rules, scoring, selectors, service_levels
from tandem.handoff import services as handoff
from tandem.handoff.rep_services import rep_availability_set
from tandem.handoff.schemas import IcpRuleIn, RoutingRuleIn, ScoringIn, ServiceLevelSettingsIn

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _period(key: str):
    if key not in PERIOD_LABELS:
        raise InvalidInput.field("period", f"use one of {', '.join(PERIOD_LABELS)}")
    return period_for(key)


def _may_see(user: Any) -> None:
    policies.require(user, "view", "handoff_setup")


# --- The SLA page ---------------------------------------------------------------------------


def _level_settings(level: Any) -> dict[str, Any]:
    return {name: getattr(level, name) for name in ServiceLevelSettingsOut.model_fields}


@router.get(
    "/handoff/service-levels", response={200: ServiceLevelsOut, **ERRORS}, tags=["hand-off"]
)
def service_levels_get(request, period: str = "quarter"):
    """Both promises over a period (week, month, quarter …): sales' first touch and cadence
    per rep with every breach, and marketing's qualified leads against the revenue goal."""
    _may_see(request.auth)
    span = _period(period)
    sales = service_levels.sales_promise(since=span.start, until=span.end)
    marketing = service_levels.marketing_promise(since=span.start, until=span.end, period=span.key)
    return {
        "period": span.key,
        "since": span.start,
        "until": span.end,
        "settings": _level_settings(service_levels.service_level()),
        "sales": {
            "first_touch_hours": sales.hours,
            "follow_up_attempts": sales.attempts,
            "follow_up_days": sales.days,
            "handed_off": sales.handed_off,
            "met": sales.met,
            "breached": sales.breached,
            "compliance": sales.compliance,
            "cadence": sales.cadence,
            "waiting_lead_ids": [lead.pk for lead in sales.waiting],
            "breaches": [
                {
                    "lead_id": b.lead.pk,
                    "contact": str(b.lead.contact),
                    "assigned_to_id": b.lead.assigned_to_id,
                    "overdue_hours": round(b.overdue.total_seconds() / 3600, 2),
                    "is_open": b.is_open,
                }
                for b in sales.breaches
            ],
            "reps": [
                {
                    "rep_id": getattr(r.rep, "pk", None),
                    "rep": str(r.rep) if r.rep else "unassigned",
                    "handed_off": r.handed_off,
                    "met": r.met,
                    "breached": r.breached,
                    "waiting": r.waiting,
                    "compliance": r.compliance,
                    "cadence": r.cadence,
                }
                for r in sales.reps
            ],
            "teams": [_team_level(t) for t in sales.teams],
        },
        "marketing": {
            "revenue_goal": float(marketing.revenue_goal),
            "period_revenue_goal": float(marketing.period_revenue_goal),
            "quarters": float(marketing.quarters),
            "average_deal": float(marketing.average_deal) if marketing.average_deal else None,
            "lead_to_won": marketing.lead_to_won,
            "leads_needed": marketing.leads_needed,
            "leads_delivered": marketing.leads_delivered,
            "accepted": marketing.accepted,
            "rejected": marketing.rejected,
            "acceptance_rate": marketing.acceptance_rate,
            "minimum_acceptance": marketing.minimum_acceptance,
            "progress": marketing.progress,
            "explanation": marketing.explanation,
        },
    }


@router.put(
    "/handoff/service-levels",
    response={200: ServiceLevelSettingsOut, **ERRORS},
    tags=["hand-off"],
)
def service_levels_put(request, payload: ServiceLevelSettingsIn):
    """Change the service levels both managers agreed (admins, marketing and sales managers).
    Only the fields sent change; a bad value is refused naming the field, and nothing is
    saved."""
    level = handoff.service_level_save(
        actor=request.auth, via="api", **payload.model_dump(exclude_unset=True)
    )
    return _level_settings(level)


def _team_level(t: service_levels.TeamLevel) -> dict[str, Any]:
    """One sales team's first-touch and cadence counts (the team of the rep, today)."""
    return {
        "team_id": getattr(t.team, "pk", None),
        "team": str(t.team) if t.team else "no team or unassigned",
        "handed_off": t.handed_off,
        "met": t.met,
        "breached": t.breached,
        "waiting": t.waiting,
        "compliance": t.compliance,
        "cadence": t.cadence,
    }


# --- Feedback: rejection reasons by campaign, source, segment, grade ------------------------


@router.get("/handoff/feedback", response={200: list[FeedbackRowOut], **ERRORS}, tags=["hand-off"])
def feedback_get(request, by: str = "campaign", period: str = "quarter"):
    """Leads sales decided in the period, grouped ``by`` campaign, source, segment or grade at
    hand-off, with the rejection reasons."""
    _may_see(request.auth)
    if by not in selectors.FEEDBACK_GROUPS:
        raise InvalidInput.field("by", f"use one of {', '.join(selectors.FEEDBACK_GROUPS)}")
    span = _period(period)
    rows = selectors.lead_feedback(by=by, since=span.start, until=span.end)
    return [
        {
            "group": r.group,
            "decided": r.decided,
            "rejected": r.rejected,
            "rejection_rate": r.rejection_rate,
            "reasons": r.reasons or {},
        }
        for r in rows
    ]


# --- Scoring profile and ICP rules ----------------------------------------------------------


@router.get("/handoff/scoring", response={200: ScoringOut, **ERRORS}, tags=["hand-off"])
def scoring_get(request):
    """The scoring profile in force: threshold, decay, grade cuts, touch weights, ICP rules."""
    _may_see(request.auth)
    return _scoring_out()


@router.put("/handoff/scoring", response={200: ScoringOut, **ERRORS}, tags=["hand-off"])
def scoring_put(request, payload: ScoringIn):
    """Change the scoring profile and touch weights (admins and both teams' managers). Only
    the fields and kinds sent change; a bad value is refused naming the field, and nothing is
    saved. The next touch scores with the new settings; run a full rescore for everyone."""
    fields = payload.model_dump(exclude_unset=True)
    weights = fields.pop("weights", None)
    handoff.scoring_save(
        actor=request.auth,
        profile=fields,
        weights=(
            {w["kind"]: {"points": w["points"], "daily_cap": w["daily_cap"]} for w in weights}
            if weights is not None
            else None
        ),
        via="api",
    )
    return _scoring_out()


def _scoring_out() -> dict[str, Any]:
    prof = scoring.profile()
    in_force = selectors.icp_rules_in_force()
    rules = [
        {
            "id": getattr(r, "pk", None),
            "kind": r.kind,
            "field": r.field,
            "values": list(r.values),
            "points": r.points,
            "label": r.label,
        }  # fmt: skip
        for r in (in_force.saved or in_force.defaults)
    ]
    return {
        "mql_threshold": prof.threshold,
        "half_life_days": prof.half_life_days,
        "window_days": prof.window_days,
        "fit_cuts": list(prof.fit_cuts),
        "engagement_cuts": list(prof.engagement_cuts),
        "predictive_min_leads": prof.predictive_min_leads,
        "weights": [
            {"kind": kind, "points": points, "daily_cap": cap}
            for kind, (points, cap) in sorted(prof.weights.items())
        ],
        "rules": rules,
        "rules_are_defaults": not in_force.saved,
        "rule_types": {name: list(t.fields) for name, t in icp_rules.RULE_TYPES.items()},
    }


@router.post("/handoff/scoring/rules", response={201: IcpRuleOut, **ERRORS}, tags=["hand-off"])
def icp_rules_create(request, payload: IcpRuleIn):
    """Add an ICP rule; a field its type does not read, or values that cannot match, are
    refused naming the field. Run a full rescore to apply it to everyone."""
    rule = handoff.icp_rule_save(actor=request.auth, via="api", **payload.model_dump())
    return Status(
        201,
        {
            "id": rule.pk,
            "kind": rule.kind,
            "field": rule.field,
            "values": list(rule.values),
            "points": rule.points,
            "label": rule.label,
        },  # fmt: skip
    )


@router.delete(
    "/handoff/scoring/rules/{rule_id}", response={204: None, **ERRORS}, tags=["hand-off"]
)
def icp_rules_delete(request, rule_id: int):
    policies.require(request.auth, "delete", "handoff_setup")
    handoff.icp_rule_delete(
        actor=request.auth, rule=selectors.icp_rule_get(rule_id=rule_id), via="api"
    )
    return Status(204, None)


# --- The predictive score's evaluation ------------------------------------------------------


@router.get("/handoff/predictive", response={200: PredictiveOut, **ERRORS}, tags=["hand-off"])
def predictive_get(request):
    """The newest predictive model: whether it is in use, and its evaluation on a later period
    (AUC, calibration by decile, lift over the rule score, and how both scores foretold sales'
    verdicts: `leads_judged` accepted vs rejected with the rejection reasons, `deals_judged`
    won vs lost)."""

    _may_see(request.auth)
    record = selectors.predictive_model_latest()
    if record is None:
        return {
            "is_ready": False,
            "message": "No predictive model has been trained yet; the rule score ranks leads.",
            "trained_at": None,
            "training_rows": 0,
            "positives": 0,
            "evaluation": {},
        }
    return {
        "is_ready": record.is_ready,
        "message": record.message,
        "trained_at": record.trained_at,
        "training_rows": record.training_rows,
        "positives": record.positives,
        "evaluation": record.evaluation or {},
    }


# --- Routing rules --------------------------------------------------------------------------


@router.get(
    "/handoff/routing-rules", response={200: list[RoutingRuleOut], **ERRORS}, tags=["hand-off"]
)
def routing_rules_list(request):
    """Territory and segment rules in the order they are tried (after the account owner)."""

    _may_see(request.auth)
    return list(selectors.routing_rules())


@router.post("/handoff/routing-rules", response={201: RoutingRuleOut, **ERRORS}, tags=["hand-off"])
def routing_rules_create(request, payload: RoutingRuleIn):
    """Add a territory rule (an account field's values → a team) or a segment rule."""
    rule = handoff.routing_rule_add(actor=request.auth, rule=payload, via="api")
    return Status(201, rule)


@router.delete(
    "/handoff/routing-rules/{rule_id}", response={204: None, **ERRORS}, tags=["hand-off"]
)
def routing_rules_delete(request, rule_id: int):
    """Delete a routing rule: its leads go to the next rule or the round robin."""

    policies.require(request.auth, "delete", "handoff_setup")
    handoff.routing_rule_delete(
        actor=request.auth, rule=selectors.routing_rule_get(rule_id=rule_id), via="api"
    )
    return Status(204, None)


# --- Reps: lead capacity and away -----------------------------------------------------------


def _rep_out(rep: Any) -> dict[str, Any]:
    return {
        "id": rep.pk,
        "name": str(rep),
        "team_id": rep.team_id,
        "team": str(rep.team) if rep.team else None,
        "lead_capacity": rep.lead_capacity,
        "is_available_for_leads": rep.is_available_for_leads,
        "waiting": getattr(rep, "waiting", 0),  # counted for sales reps only
    }


@router.get("/handoff/reps", response={200: list[RepOut], **ERRORS}, tags=["hand-off"])
def reps_list(request):
    """The sales reps the caller may see (a manager's team, everyone for admins and
    leadership, a rep themself) with their waiting leads, capacity and availability."""
    policies.require(request.auth, "view", "rep_availability")
    return [_rep_out(rep) for rep in selectors.reps_for_user(user=request.auth)]


@router.patch("/handoff/reps/{rep_id}", response={200: RepOut, **ERRORS}, tags=["hand-off"])
def reps_update(request, rep_id: int, payload: RepPatch):
    """Set a rep's lead capacity (1 to 500) and whether they are away; only the fields sent
    change. A sales manager sets them for the reps of their team, an admin for anyone."""

    rep = selectors.rep_get_for_user(user=request.auth, rep_id=rep_id)
    rep_availability_set(actor=request.auth, rep=rep, via="api", **payload.model_dump())
    return _rep_out(selectors.reps_for_user(user=request.auth).filter(pk=rep.pk).first() or rep)


# --- Leads ---------------------------------------------------------------------------------


@router.get(
    "/leads",
    response=list[LeadOut],
    tags=["leads"],
    operation_id="tandem_api_relay_leads_list",
)
@paginate(LimitOffsetPagination)
def leads_list(request, status: str = ""):
    return selectors.leads_for_user(user=request.auth, status=status).order_by("id")


@router.post(
    "/leads/{lead_id}/accept",
    response={201: DealOut, **ERRORS},
    tags=["leads"],
    operation_id="tandem_api_relay_leads_accept",
)
def leads_accept(request, lead_id: int):
    """Accept the hand-off; a deal opens in the default pipeline."""
    lead = selectors.lead_get_for_user(user=request.auth, lead_id=lead_id)
    deal = handoff.lead_accept(actor=request.auth, lead=lead, via="api")
    return Status(201, deal_out(request.auth, deal))


@router.post(
    "/leads/{lead_id}/reject",
    response={200: LeadOut, **ERRORS},
    tags=["leads"],
    operation_id="tandem_api_relay_leads_reject",
)
def leads_reject(request, lead_id: int, payload: LeadRejectIn):
    lead = selectors.lead_get_for_user(user=request.auth, lead_id=lead_id)
    return handoff.lead_reject(
        actor=request.auth,
        lead=lead,
        reason=payload.reason,
        note=payload.note,
        nurture_until=payload.nurture_until,
        via="api",
    )
