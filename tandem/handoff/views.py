"""Doors for sales' answer to a hand-off: accept or reject with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.errors import InvalidInput
from tandem.handoff import selectors, services
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
    from tandem.dashboards.views import period_context

    return period_context(request, default)


def _may_see(request) -> None:
    from tandem.access import policies

    policies.require(request.user, "view", "handoff_setup")


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


@login_required
def setup(request):
    from tandem.access import policies
    from tandem.handoff import scoring
    from tandem.handoff.models import IcpRule, RoutingRule, TouchWeight
    from tandem.people.lifecycle import Stage
    from tandem.people.models import StageRule

    _may_see(request)
    profile = scoring.profile()
    saved = {r.stage: r for r in StageRule.objects.all()}
    return render(
        request,
        "handoff/setup.html",
        {
            "section": "handoff",
            "profile": profile,
            "rules": IcpRule.objects.all(),
            "default_rules": profile.rules if not IcpRule.objects.exists() else (),
            "weights": TouchWeight.objects.all(),
            "routing_rules": RoutingRule.objects.select_related("team", "segment"),
            "stage_rows": [(label, saved.get(value)) for value, label in Stage.choices],
            "stages": Stage.choices,
            "rule_types": scoring.RULE_TYPES,
            "can_change": policies.can(request.user, "change", "handoff_setup"),
            "can_change_lifecycle": policies.can(request.user, "change", "lifecycle_setup"),
        },
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
        messages.error(request, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
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
        messages.error(request, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    return redirect("handoff:setup")


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
