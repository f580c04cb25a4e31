"""API routes for the analyses: attribution, lifetime value, funnel and profitability.

Each takes the same typed input as its report page (the pydantic models in
``tandem.reports.analyses``, built from the analytics package's inputs) and answers with the
run and, once it is done, the analysis's typed result. A small database answers at once; a
large one answers 202 with the run, to be read again at ``/analytics/runs/{id}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Router, Schema, Status

from tandem.analytics.attribution.inputs import AttributionResult
from tandem.analytics.forecast import ForecastResult
from tandem.analytics.funnel import FunnelResult
from tandem.analytics.mmm import MMMResult
from tandem.analytics.profitability import ProfitabilityResult
from tandem.api.schemas import ErrorOut
from tandem.reports import selectors, services
from tandem.reports.analyses import (
    AttributionReportInput,
    ForecastReportInput,
    FunnelReportInput,
    LifetimeReport,
    LifetimeReportInput,
    MediaMixReportInput,
    ProfitabilityReportInput,
)
from tandem.reports.models import ReportRun

router = Router(tags=["analytics"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class RunOut(Schema):
    """A report run: ``done`` with a result, ``failed`` with the reason, or still going."""

    id: int
    analysis: str
    status: str
    progress: int
    step: str
    error: str
    created_at: datetime
    finished_at: datetime | None


class AttributionOut(Schema):
    run: RunOut
    result: AttributionResult | None


class LifetimeOut(Schema):
    run: RunOut
    result: LifetimeReport | None


class FunnelOut(Schema):
    run: RunOut
    result: FunnelResult | None


class ProfitabilityOut(Schema):
    run: RunOut
    result: ProfitabilityResult | None


class ForecastOut(Schema):
    run: RunOut
    result: ForecastResult | None


class MediaMixOut(Schema):
    run: RunOut
    result: MMMResult | None


class AnyRunOut(Schema):
    run: RunOut
    result: dict[str, Any] | None


def _answer(run: ReportRun, *, raw: bool = False) -> Any:
    body = {"run": run, "result": run.result if raw else services.run_result(run)}
    return Status(200 if run.is_finished else 202, body)


def _run(request, analysis: str, params: Any, refresh: bool) -> Any:
    run = services.report_run(actor=request.auth, analysis=analysis, params=params, refresh=refresh)
    return _answer(run)


@router.post(
    "/analytics/attribution", response={200: AttributionOut, 202: AttributionOut, **ERRORS}
)
def analytics_attribution(request, payload: AttributionReportInput, refresh: bool = False):
    """Credit leads, deals or won revenue to channels, campaigns or content, every model."""
    return _run(request, "attribution", payload, refresh)


@router.post("/analytics/clv", response={200: LifetimeOut, 202: LifetimeOut, **ERRORS})
def analytics_clv(request, payload: LifetimeReportInput, refresh: bool = False):
    """Repeat purchases and lifetime value, by the campaign, channel or segment that acquired."""
    return _run(request, "lifetime", payload, refresh)


@router.post("/analytics/funnel", response={200: FunnelOut, 202: FunnelOut, **ERRORS})
def analytics_funnel(request, payload: FunnelReportInput, refresh: bool = False):
    """Conversion by cohort, time in stage and pipeline velocity on a sales or marketing clock."""
    return _run(request, "funnel", payload, refresh)


@router.post(
    "/analytics/profitability", response={200: ProfitabilityOut, 202: ProfitabilityOut, **ERRORS}
)
def analytics_profitability(request, payload: ProfitabilityReportInput, refresh: bool = False):
    """Revenue, margin, acquisition cost and CLV/CAC by channel, segment or campaign."""
    return _run(request, "profitability", payload, refresh)


@router.post("/analytics/forecast", response={200: ForecastOut, 202: ForecastOut, **ERRORS})
def analytics_forecast(request, payload: ForecastReportInput, refresh: bool = False):
    """The open pipeline's expected won amount over the horizon, with an interval."""
    return _run(request, "forecast", payload, refresh)


@router.post("/analytics/media-mix", response={200: MediaMixOut, 202: MediaMixOut, **ERRORS})
def analytics_media_mix(request, payload: MediaMixReportInput, refresh: bool = False):
    """Each channel's long-run contribution, ROI and carry-over half-life (always 202 first)."""
    return _run(request, "mediamix", payload, refresh)


@router.get("/analytics/runs/{run_id}", response={200: AnyRunOut, 202: AnyRunOut, **ERRORS})
def analytics_run(request, run_id: int):
    """A run started earlier: 202 while it runs, 200 with its result when it is done."""
    run = selectors.run_get_for_user(user=request.auth, run_id=run_id)
    return _answer(run, raw=True)
