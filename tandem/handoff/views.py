"""Doors for sales' answer to a hand-off: accept or reject with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.errors import InvalidInput
from tandem.handoff import routing, selectors, services
from tandem.handoff.models import RejectionReason


def _queue_fragment(request, notice: str = "", error: str = ""):
    return render(
        request,
        "handoff/_queue.html",
        {
            "queue": selectors.lead_queue(user=request.user),
            "reasons": RejectionReason.choices,
            "notice": notice,
            "error": error,
        },
    )


@login_required
@require_POST
def lead_accept(request, lead_id: int):
    lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
    try:
        deal = services.lead_accept(actor=request.user, lead=lead)
    except InvalidInput as exc:
        if request.htmx:
            return _queue_fragment(request, error="; ".join(exc.errors.values()))
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect("sales:home")
    if request.htmx:
        response = _queue_fragment(request, notice=f"Accepted {lead.contact}: deal opened.")
        response["HX-Trigger"] = "pipeline-changed"
        return response
    messages.success(request, f"Accepted {lead.contact}: deal opened.")
    return redirect("sales:deal", deal_id=deal.pk)


@login_required
@require_POST
def lead_reject(request, lead_id: int):
    lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
    try:
        services.lead_reject(
            actor=request.user,
            lead=lead,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            nurture_until=request.POST.get("nurture_until", ""),
        )
        notice, error = f"Rejected {lead.contact}; marketing will see why.", ""
    except InvalidInput as exc:
        notice, error = "", "; ".join(exc.errors.values())
    if request.htmx:
        return _queue_fragment(request, notice=notice, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("sales:home")


# --- Pages both teams see: service levels, lifecycle, feedback, set-up ----------------------


def _period(request, default: str = "quarter") -> dict:
    from tandem.core.periods import period_context

    return period_context(request, default)


def _may_see(request) -> None:
    from tandem.access import policies

    policies.require(request.user, "view", "handoff_setup")


def _setup_errors(request, exc: InvalidInput) -> None:
    """A refused set-up form, its fields and reasons, as a message above the page."""
    messages.error(request, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))


@login_required
def sla(request):
    """The SLA page: sales' first-touch promise and marketing's lead promise, side by side."""
    from tandem.access import policies
    from tandem.handoff import service_levels

    _may_see(request)
    ctx = _period(request)
    period = ctx["period"]
    ctx.update(
        section="handoff",
        sales=service_levels.sales_promise(since=period.start, until=period.end),
        marketing=service_levels.marketing_promise(
            since=period.start, until=period.end, period=period.key
        ),
        level=service_levels.service_level(),
        now=timezone.now(),
        can_see_reps=policies.can(request.user, "view", "rep_availability"),
    )
    return render(request, "handoff/sla.html", ctx)


@login_required
def lifecycle(request):
    _may_see(request)
    ctx = _period(request)
    ctx.update(
        section="handoff",
        report=selectors.lifecycle_report(since=ctx["period"].start, until=ctx["period"].end),
    )
    return render(request, "handoff/lifecycle.html", ctx)


@login_required
def feedback(request):
    """Why sales turned leads back, by campaign, source, segment or grade at hand-off."""
    _may_see(request)
    by = request.GET.get("by", "campaign")
    if by not in selectors.FEEDBACK_GROUPS:
        by = "campaign"
    ctx = _period(request)
    rows = selectors.lead_feedback(by=by, since=ctx["period"].start, until=ctx["period"].end)
    reasons = sorted({label for row in rows for label in (row.reasons or {})})
    groups = [("campaign", "campaign"), ("source", "source"), ("segment", "segment"),
              ("grade", "grade at hand-off")]  # fmt: skip
    ctx.update(section="handoff", by=by, rows=rows, reason_labels=reasons, groups=groups)
    template = "handoff/_feedback_table.html" if request.htmx else "handoff/feedback.html"
    return render(request, template, ctx)


@login_required
def lead_detail(request, lead_id: int):
    """One lead: why it scores what it does, its grade, and the predictive score explained."""
    from tandem.handoff import predictive, scoring

    lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
    score = scoring.score_contact(lead.contact)
    return render(
        request,
        "handoff/lead.html",
        {
            "lead": lead,
            "score": score,
            "prediction": predictive.explain_contact(lead.contact),
            "reasons": RejectionReason.choices,
            "section": "handoff",
        },
    )


# The settings forms of the set-up page: (field, label, hint) in the order shown.
PROFILE_FORM = (
    ("mql_threshold", "MQL threshold (points)", "empty: the company default"),
    ("half_life_days", "Engagement half-life (days)", "0: points never fade"),
    ("window_days", "Engagement window (days)", "older touches count nil"),
    ("fit_a", "Fit A from (points)", ""),
    ("fit_b", "Fit B from (points)", ""),
    ("fit_c", "Fit C from (points)", ""),
    ("engagement_1", "Engagement 1 from (points)", ""),
    ("engagement_2", "Engagement 2 from (points)", ""),
    ("engagement_3", "Engagement 3 from (points)", ""),
    ("predictive_min_leads", "Predictive score needs (labelled leads)", ""),
)
LEVEL_FORM = (
    ("first_touch_hours", "First touch within (working hours)", ""),
    ("warn_before_minutes", "Warn the rep before (minutes)", ""),
    ("workday_start_hour", "Working day starts (hour, 0–22)", "Monday to Friday"),
    ("workday_end_hour", "Working day ends (hour, 1–23)", ""),
    ("follow_up_attempts", "Follow-up attempts", ""),
    ("follow_up_days", "Follow-up within (days)", ""),
    ("quarterly_revenue_goal", "Quarterly revenue goal", "sets marketing's qualified leads owed"),
    ("minimum_acceptance_rate", "Minimum acceptance rate (0–1)", "0.6 is 60 %"),
)


def _form_rows(spec, current: dict, posted: dict | None, errors: dict) -> list[dict]:
    rows = []
    for name, label, hint in spec:
        value = posted.get(name, "") if posted is not None else current[name]
        rows.append(
            {"name": name, "label": label, "hint": hint, "value": value, "error": errors.get(name)}
        )
    return rows


def _weight_rows(profile, posted: dict | None, errors: dict) -> list[dict]:
    from tandem.people.models import TouchKind

    rows = []
    for kind, label in TouchKind.choices:
        points, cap = profile.weights.get(kind, (0, 0))
        if posted is not None:
            points = posted.get(f"weights.{kind}.points", "")
            cap = posted.get(f"weights.{kind}.daily_cap", "")
        rows.append(
            {
                "kind": kind,
                "label": label,
                "points": points,
                "daily_cap": cap,
                "points_error": errors.get(f"weights.{kind}.points")
                or errors.get(f"weights.{kind}"),
                "cap_error": errors.get(f"weights.{kind}.daily_cap"),
            }
        )
    return rows


def _teams():
    from tandem.access.models import Team

    return Team.objects.order_by("name")


def _segments():
    from tandem.segments.models import Segment

    return Segment.objects.order_by("name").only("pk", "name")


@login_required
def setup(request, *, form: str = "", posted: dict | None = None, errors: dict | None = None):
    """The hand-off rules: scoring settings and touch weights, ICP rules, routing, service
    levels and lifecycle entry rules; managers change them here. Re-shown with ``errors``
    beside the fields of the ``form`` that was refused."""
    from tandem.access import policies
    from tandem.handoff import scoring, service_levels
    from tandem.handoff.models import IcpRule, RoutingRule
    from tandem.people.lifecycle import Stage
    from tandem.people.models import StageRule

    _may_see(request)
    errors = errors or {}
    profile = scoring.profile()
    profile_fields = {
        "mql_threshold": "" if profile.is_threshold_default else profile.threshold,
        "half_life_days": f"{profile.half_life_days:g}",
        "window_days": profile.window_days,
        "fit_a": profile.fit_cuts[0],
        "fit_b": profile.fit_cuts[1],
        "fit_c": profile.fit_cuts[2],
        "engagement_1": profile.engagement_cuts[0],
        "engagement_2": profile.engagement_cuts[1],
        "engagement_3": profile.engagement_cuts[2],
        "predictive_min_leads": profile.predictive_min_leads,
    }
    level = service_levels.service_level()
    level_fields = {name: getattr(level, name) for name, _, _ in LEVEL_FORM}
    level_fields["quarterly_revenue_goal"] = f"{level.quarterly_revenue_goal:.2f}"
    saved = {r.stage: r for r in StageRule.objects.all()}
    return render(
        request,
        "handoff/setup.html",
        {
            "section": "handoff",
            "profile": profile,
            "level": level,
            "profile_rows": _form_rows(
                PROFILE_FORM,
                profile_fields,
                posted if form == "scoring" else None,
                errors if form == "scoring" else {},
            ),
            "weight_rows": _weight_rows(
                profile,
                posted if form == "weights" else None,
                errors if form == "weights" else {},
            ),
            "level_rows": _form_rows(
                LEVEL_FORM,
                level_fields,
                posted if form == "levels" else None,
                errors if form == "levels" else {},
            ),
            "failed_form": form,
            "rules": IcpRule.objects.all(),
            "default_rules": profile.rules if not IcpRule.objects.exists() else (),
            "routing_rules": RoutingRule.objects.select_related("team", "segment"),
            "stage_rows": [(label, saved.get(value)) for value, label in Stage.choices],
            "stages": Stage.choices,
            "rule_types": scoring.RULE_TYPES,
            "can_change": policies.can(request.user, "change", "handoff_setup"),
            "can_change_lifecycle": policies.can(request.user, "change", "lifecycle_setup"),
            "teams": _teams(),
            "segments": _segments(),
            "routing_fields": routing.ROUTING_FIELDS,
        },
        status=422 if errors else 200,
    )


def _settings_saved(request, form: str, save, fields: dict, message: str):
    """Save one settings form; refused: the page again with each error beside its field."""
    try:
        save(actor=request.user, **fields)
    except InvalidInput as exc:
        return setup(request, form=form, posted=request.POST, errors=exc.errors)
    messages.success(request, message)
    return redirect("handoff:setup")


@login_required
@require_POST
def scoring_profile_set(request):
    fields = {name: request.POST.get(name, "") for name, _, _ in PROFILE_FORM}
    return _settings_saved(
        request, "scoring", services.scoring_profile_save, fields,
        "Scoring settings saved: the next touch scores with them. Run a full rescore to apply "
        "them to everyone.",
    )  # fmt: skip


@login_required
@require_POST
def touch_weights_set(request):
    from tandem.people.models import TouchKind

    weights = {
        kind: {
            "points": request.POST.get(f"weights.{kind}.points", ""),
            "daily_cap": request.POST.get(f"weights.{kind}.daily_cap", ""),
        }
        for kind in TouchKind.values
    }
    return _settings_saved(
        request, "weights", services.touch_weights_save, {"weights": weights},
        "Touch weights saved: the next touch scores with them.",
    )  # fmt: skip


@login_required
@require_POST
def service_level_set(request):
    fields = {name: request.POST.get(name, "") for name, _, _ in LEVEL_FORM}
    return _settings_saved(
        request, "levels", services.service_level_save, fields, "Service levels saved."
    )


@login_required
@require_POST
def icp_rule_add(request):
    values = [v for v in request.POST.get("values", "").split(",") if v.strip()]
    try:
        services.icp_rule_save(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            field=request.POST.get("field", ""),
            values=values,
            points=request.POST.get("points", ""),
            label=request.POST.get("label", ""),
        )
        messages.success(request, "Rule saved. Run a full rescore to apply it to everyone.")
    except InvalidInput as exc:
        _setup_errors(request, exc)
    return redirect("handoff:setup")


@login_required
@require_POST
def stage_rule_set(request):
    try:
        services.stage_rule_save(
            actor=request.user,
            stage=request.POST.get("stage", ""),
            is_enabled=request.POST.get("is_enabled") == "on",
            requires_reason=request.POST.get("requires_reason") == "on",
            allowed_from=request.POST.getlist("allowed_from"),
        )
        messages.success(request, "Entry rule saved.")
    except InvalidInput as exc:
        _setup_errors(request, exc)
    return redirect("handoff:setup")


@login_required
def scoring_model(request):
    """The predictive score: whether it is in use, its evaluation on a later period, and how
    well it and the rule score foretold sales' verdicts (accepted or rejected, won or lost)."""
    from tandem.access import policies
    from tandem.handoff import predictive
    from tandem.handoff.models import RejectionReason

    _may_see(request)
    record, _ = predictive.current_model()
    evaluation = (record.evaluation or {}) if record is not None else {}
    reasons = dict(RejectionReason.choices)
    leads = evaluation.get("leads_judged") or {}
    return render(
        request,
        "handoff/scoring_model.html",
        {
            "section": "handoff",
            "record": record,
            "evaluation": evaluation,
            "leads": leads,
            "deals": evaluation.get("deals_judged") or {},
            "rejections": [
                (reasons.get(key, key), count)
                for key, count in (leads.get("rejection_reasons") or {}).items()
            ],
            "can_retrain": policies.can(request.user, "change", "handoff_setup"),
        },
    )


@login_required
@require_POST
def scoring_model_retrain(request):
    from tandem.access import policies
    from tandem.handoff.tasks import predictive_retrain

    policies.require(request.user, "change", "handoff_setup")
    predictive_retrain.enqueue()
    messages.success(
        request, "Retraining started in the background; this page shows the new model when done."
    )
    return redirect("handoff:scoring_model")


def _rule_delete(request, model, rule_id: int, delete, message) -> Any:
    """Delete one set-up rule (the service checks the right) and go back to the set-up page."""
    from django.shortcuts import get_object_or_404

    rule = get_object_or_404(model, pk=rule_id)
    delete(actor=request.user, rule=rule)
    messages.success(request, message(rule))
    return redirect("handoff:setup")


@login_required
@require_POST
def icp_rule_delete(request, rule_id: int):
    from tandem.handoff.models import IcpRule

    return _rule_delete(
        request,
        IcpRule,
        rule_id,
        services.icp_rule_delete,
        lambda r: f"Rule “{r.label}” deleted. Run a full rescore to apply it.",
    )


@login_required
@require_POST
def stage_rule_delete(request, rule_id: int):
    from tandem.people.models import StageRule

    return _rule_delete(
        request,
        StageRule,
        rule_id,
        services.stage_rule_delete,
        lambda r: "Entry rule removed: the stage follows the default moves again.",
    )


@login_required
@require_POST
def routing_rule_add(request):
    from tandem.access.models import Team
    from tandem.segments.models import Segment

    def picked(name: str) -> int | None:
        value = request.POST.get(name, "")
        return int(value) if value.isdigit() else None

    team_id, segment_id = picked("team"), picked("segment")
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    segment = Segment.objects.filter(pk=segment_id).first() if segment_id else None
    try:
        services.routing_rule_save(
            actor=request.user,
            name=request.POST.get("name", ""),
            team=team,
            field=request.POST.get("field", ""),
            values=request.POST.get("values", "").split(","),
            segment=segment,
        )
        messages.success(request, "Routing rule saved: it applies to the next hand-off.")
    except InvalidInput as exc:
        _setup_errors(request, exc)
    return redirect("handoff:setup")


@login_required
@require_POST
def routing_rule_delete(request, rule_id: int):
    from tandem.handoff.models import RoutingRule

    return _rule_delete(
        request,
        RoutingRule,
        rule_id,
        services.routing_rule_delete,
        lambda r: f"Routing rule “{r.name}” deleted.",
    )


# --- Reps: lead capacity and away, set by their sales manager or an admin -------------------


def _reps_page(request, errors: dict | None = None, values: dict | None = None, status=200):
    from tandem.access import policies
    from tandem.handoff.rep_services import MAX_LEAD_CAPACITY

    policies.require(request.user, "view", "rep_availability")
    reps = list(selectors.reps_for_user(user=request.user))
    return render(
        request,
        "handoff/reps.html",
        {
            "section": "handoff",
            "rows": [
                {
                    "rep": rep,
                    "can_change": policies.can(request.user, "change", "rep_availability", rep),
                    "errors": (errors or {}).get(rep.pk, {}),
                    "values": (values or {}).get(rep.pk)
                    or {
                        "lead_capacity": rep.lead_capacity,
                        "is_available_for_leads": rep.is_available_for_leads,
                    },
                }
                for rep in reps
            ],
            "max_capacity": MAX_LEAD_CAPACITY,
        },
        status=status,
    )


@login_required
def reps(request):
    """Each rep's lead capacity and whether they are away: routing reads both."""
    return _reps_page(request)


@login_required
@require_POST
def rep_set(request, rep_id: int):
    from tandem.handoff.rep_services import rep_availability_set

    rep = selectors.rep_get_for_user(user=request.user, rep_id=rep_id)
    values = {
        "lead_capacity": request.POST.get("lead_capacity", "").strip(),
        "is_available_for_leads": request.POST.get("is_away") != "on",
    }
    try:
        rep_availability_set(actor=request.user, rep=rep, **values)
    except InvalidInput as exc:
        return _reps_page(request, errors={rep.pk: exc.errors}, values={rep.pk: values})
    state = "available" if rep.is_available_for_leads else "away"
    messages.success(request, f"{rep}: up to {rep.lead_capacity} waiting leads, {state}.")
    return redirect("handoff:reps")
