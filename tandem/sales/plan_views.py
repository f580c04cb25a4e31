"""Doors for what sales managers set up and read: pipelines, playbooks, quotas, the forecast,
the ramp of new reps and territories."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.access import selectors as access_selectors
from tandem.core import charts
from tandem.errors import InvalidInput
from tandem.sales import forecast, playbook_services, scorecard, services
from tandem.sales import plan_selectors as plan
from tandem.sales import target_services as targets
from tandem.sales.models import PeriodKind


def _errors(request, exc: InvalidInput) -> None:
    messages.error(request, "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in exc.errors.items()))


@login_required
def pipelines(request):
    policies.require(request.user, "view", "sales_plan")
    if request.method == "POST":
        try:
            stages = []
            for line in request.POST.get("stages", "").splitlines():
                if line.strip():
                    name, _, probability = line.rpartition(",")
                    stages.append((name.strip() or probability.strip(), probability.strip()))
            pipeline = services.pipeline_create(
                actor=request.user, name=request.POST.get("name", ""), stages=stages or None
            )
            messages.success(request, f"Pipeline {pipeline} created.")
            return redirect("sales:pipeline", pipeline_id=pipeline.pk)
        except InvalidInput as exc:
            _errors(request, exc)
    return render(
        request,
        "sales/pipelines.html",
        {
            "pipelines": plan.pipelines_with_stages(),
            "can_edit": policies.can(request.user, "create", "sales_plan"),
            "section": "sales",
        },
    )


@login_required
def pipeline(request, pipeline_id: int):
    """One pipeline's stages and the discovery questions of each (the playbook)."""
    policies.require(request.user, "view", "sales_plan")
    pipeline = plan.pipeline_get(pipeline_id=pipeline_id)
    stages = list(pipeline.stages.prefetch_related("questions"))
    return render(
        request,
        "sales/pipeline.html",
        {
            "pipeline": pipeline,
            "stages": stages,
            "can_edit": policies.can(request.user, "change", "sales_plan"),
            "section": "sales",
        },
    )


@login_required
@require_POST
def stage_save(request, pipeline_id: int):
    pipeline = plan.pipeline_get(pipeline_id=pipeline_id)
    stage_id = request.POST.get("stage")
    stage = plan.stage_get(pipeline=pipeline, stage_id=stage_id) if stage_id else None
    try:
        services.pipeline_stage_save(
            actor=request.user,
            pipeline=pipeline,
            stage=stage,
            name=request.POST.get("name", ""),
            probability=request.POST.get("probability", ""),
        )
        messages.success(request, "Stage saved.")
    except InvalidInput as exc:
        _errors(request, exc)
    return redirect("sales:pipeline", pipeline_id=pipeline.pk)


@login_required
@require_POST
def question_save(request, pipeline_id: int):
    pipeline = plan.pipeline_get(pipeline_id=pipeline_id)
    question_id = request.POST.get("question")
    post = request.POST
    try:
        if question_id:
            question = plan.question_get(question_id=question_id, pipeline=pipeline)
            playbook_services.playbook_question_update(
                actor=request.user,
                question=question,
                text=post.get("text", ""),
                is_key=post.get("is_key") == "1",
                choices=post.get("choices", ""),
                is_active=post.get("retire") != "1",
            )
        else:
            stage = plan.stage_get(pipeline=pipeline, stage_id=post.get("stage"))
            playbook_services.playbook_question_create(
                actor=request.user,
                stage=stage,
                text=post.get("text", ""),
                is_key=post.get("is_key") == "1",
                choices=post.get("choices", ""),
            )
        messages.success(request, "Question saved.")
    except InvalidInput as exc:
        _errors(request, exc)
    return redirect("sales:pipeline", pipeline_id=pipeline.pk)


def _period_arg(request, kind: str) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        day = today
    return forecast.period_containing(kind, day)


@login_required
def targets_page(request):
    policies.require(request.user, "view", "sales_plan")
    kind = request.GET.get("kind") if request.GET.get("kind") in PeriodKind.values else "quarter"
    start = _period_arg(request, kind)
    if request.method == "POST":
        post = request.POST
        try:
            who = post.get("who", "")
            user = team = None
            if who.startswith("user:"):
                user = access_selectors.user_get(user_id=int(who[5:]))
            elif who.startswith("team:"):
                team = access_selectors.team_get(team_id=int(who[5:]))
            targets.quota_set(
                actor=request.user,
                user=user,
                team=team,
                amount=post.get("amount", ""),
                period_kind=post.get("period_kind", kind),
                period_start=post.get("period_start", start.isoformat()),
            )
            messages.success(request, "Quota saved.")
        except (InvalidInput, ValueError) as exc:
            if isinstance(exc, InvalidInput):
                _errors(request, exc)
            else:
                messages.error(request, "who: choose a rep or a team")
        return redirect(f"{request.path}?kind={kind}&start={start.isoformat()}")
    return render(
        request,
        "sales/targets.html",
        {
            "kind": kind,
            "start": start,
            "quotas": plan.quotas_of_period(period_kind=kind, period_start=start),
            "reps": access_selectors.sales_reps_active(),
            "teams": access_selectors.sales_teams(),
            "can_edit": policies.can(request.user, "change", "sales_plan"),
            "section": "sales",
        },
    )


@login_required
def ramp(request):
    policies.require(request.user, "view", "deal")
    reps = scorecard.ramp(user=request.user)
    rows = [
        {"month": f"day {day}", "measure": r.name, "count": float(amount)}
        for r in reps
        for day, amount in r.won_by_day
        if day <= max(r.days_in, 30)
    ]
    return render(
        request,
        "sales/ramp.html",
        {
            "reps": reps,
            "territories": scorecard.territory_ramp(user=request.user),
            "chart": (
                charts.monthly_lines_svg(rows, title="Won by days since start (cumulative)")
                if rows
                else ""
            ),
            "expected": scorecard.RAMP_EXPECTED,
            "section": "sales",
        },
    )


@login_required
def forecast_page(request):
    policies.require(request.user, "view", "sales_plan")
    policies.require(request.user, "view", "deal")
    kind = request.GET.get("kind") if request.GET.get("kind") in PeriodKind.values else "quarter"
    start = _period_arg(request, kind)
    if request.method == "POST":
        try:
            targets.forecast_adjust(
                actor=request.user,
                period_kind=kind,
                period_start=start,
                amount=request.POST.get("amount", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "Your call on the forecast is recorded.")
        except InvalidInput as exc:
            _errors(request, exc)
        return redirect(f"{request.path}?kind={kind}&start={start.isoformat()}")
    _, end = forecast.period_bounds(kind, start)
    return render(
        request,
        "sales/forecast.html",
        {
            "kind": kind,
            "start": start,
            "previous": forecast.period_containing(kind, start - dt.timedelta(days=1)),
            "next": end + dt.timedelta(days=1),
            "f": forecast.forecast_for(user=request.user, kind=kind, start=start),
            "adjustments": forecast.adjustments(kind=kind, start=start),
            "snapshots": forecast.snapshots(kind=kind),
            "can_adjust": policies.can(request.user, "create", "sales_plan"),
            "section": "sales",
        },
    )
