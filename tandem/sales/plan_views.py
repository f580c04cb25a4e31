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
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.sales import forecast, playbook_services, scorecard, services
from tandem.sales import plan_selectors as plan
from tandem.sales import target_services as targets
from tandem.sales.models import PeriodKind
from tandem.sales.schemas import AdjustmentIn, PipelineForm, QuestionIn, QuotaForm, StageIn


def _errors(request, exc: InvalidInput) -> None:
    messages.error(request, "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in exc.errors.items()))


@login_required
def pipelines(request):
    policies.require(request.user, "view", "sales_plan")
    if request.method == "POST":
        try:
            form = typed_input(PipelineForm, request.POST)
            pipeline = services.pipeline_create(
                actor=request.user,
                name=form.name,
                stages=form.stage_rows(),  # type: ignore[arg-type]  # the service checks each
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
    try:
        form = typed_input(StageIn, request.POST, names={"stage_id": "stage"})
        stage = plan.stage_get(pipeline=pipeline, stage_id=form.stage_id) if form.stage_id else None
        services.pipeline_stage_save(
            actor=request.user,
            pipeline=pipeline,
            stage=stage,
            name=form.name,
            probability=form.probability,
        )
        messages.success(request, "Stage saved.")
    except InvalidInput as exc:
        _errors(request, exc)
    return redirect("sales:pipeline", pipeline_id=pipeline.pk)


@login_required
@require_POST
def question_save(request, pipeline_id: int):
    pipeline = plan.pipeline_get(pipeline_id=pipeline_id)
    try:
        form = typed_input(QuestionIn, request.POST, names=QUESTION_NAMES)
        if form.question_id:
            question = plan.question_get(question_id=form.question_id, pipeline=pipeline)
            playbook_services.playbook_question_update(
                actor=request.user,
                question=question,
                text=form.text,
                is_key=form.is_key,
                choices=form.choices,
                is_active=not form.retire,
            )
        else:
            stage = plan.stage_get(pipeline=pipeline, stage_id=form.stage_id)
            playbook_services.playbook_question_create(
                actor=request.user,
                stage=stage,
                text=form.text,
                is_key=form.is_key,
                choices=form.choices,
            )
        messages.success(request, "Question saved.")
    except InvalidInput as exc:
        _errors(request, exc)
    return redirect("sales:pipeline", pipeline_id=pipeline.pk)


QUESTION_NAMES = {"question_id": "question", "stage_id": "stage"}


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
        try:
            form = typed_input(QuotaForm, request.POST, labels={"who": "For"})
            user = access_selectors.user_get(user_id=form.user_id) if form.user_id else None
            team = access_selectors.team_get(team_id=form.team_id) if form.team_id else None
            targets.quota_set(
                actor=request.user,
                user=user,
                team=team,
                amount=form.amount,
                period_kind=form.period_kind or kind,
                period_start=form.period_start or start,
            )
            messages.success(request, "Quota saved.")
        except InvalidInput as exc:
            _errors(request, exc)
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
            # The period is the one on screen; the amount and the reason are what was typed.
            call = typed_input(
                AdjustmentIn, {**request.POST.dict(), "period_kind": kind, "period_start": start}
            )
            targets.forecast_adjust(actor=request.user, **call.model_dump())
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
