"""Doors for the report pages: parse the choices, ask for the run, render its result."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from pydantic import ValidationError

from tandem.access import policies
from tandem.reports import selectors, services
from tandem.reports.analyses import MARKETING, REPORTS, SHARED, report_type
from tandem.reports.presenters import (
    attribution_view,
    customer_names,
    forecast_view,
    funnel_view,
    lifetime_view,
    mediamix_view,
    periods,
    profitability_view,
)

DESCRIPTIONS = {
    "attribution": "Which channels, campaigns and content earned leads, deals and revenue — "
    "every model side by side.",
    "funnel": "Conversion between lifecycle stages by cohort, time in each stage and pipeline "
    "velocity, on the sales or the marketing clock.",
    "lifetime": "Who buys again: probability a customer is still active, expected purchases "
    "and lifetime value, by the campaign, channel or segment that won them.",
    "profitability": "Revenue, margin, acquisition cost and CLV/CAC by channel, segment or "
    "campaign: where the company competes profitably.",
    "forecast": "What the open pipeline is expected to win in the coming quarter, by stage, "
    "with an interval.",
    "mediamix": "Marketing is a slow roast: how long each channel's spend keeps paying off, "
    "its long-run contribution and return.",
}
ORDER = ("attribution", "funnel", "forecast", "lifetime", "profitability", "mediamix")


def _params(request, analysis: str, fields: tuple[str, ...]) -> tuple[Any, dict[str, str]]:
    """The report input from the query string; bad choices fall back and are named."""
    kind = report_type(analysis)
    raw: dict[str, Any] = {}
    for name in fields:
        value = request.GET.get(name, "")
        if value == "":
            continue
        raw[name] = None if value == "none" else value
    try:
        return kind.input.model_validate(raw), {}
    except ValidationError as error:
        errors = {str(e["loc"][0]) if e["loc"] else "": e["msg"] for e in error.errors()}
        good = {k: v for k, v in raw.items() if k not in errors}
        try:
            return kind.input.model_validate(good), errors
        except ValidationError:
            return kind.input(), errors


def _page(request, analysis: str, fields: tuple[str, ...], present, template: str):
    params, errors = _params(request, analysis, fields)
    if request.method == "POST":
        services.report_run(actor=request.user, analysis=analysis, params=params, refresh=True)
        return redirect(request.get_full_path())
    run = services.report_run(actor=request.user, analysis=analysis, params=params)
    result = services.run_result(run)
    kind = report_type(analysis)
    ctx: dict[str, Any] = {
        "section": "reports",
        "title": kind.title,
        "params": params,
        "errors": errors,
        "run": run,
        "result": result,
        "can_refresh": policies.can(request.user, "create", kind.resource_for(params)),
        "reads_marketing": policies.can(request.user, "view", MARKETING),
        "periods": periods(),
        # The other choices, carried over when a period link is followed.
        "keep": "".join(
            f"{urlencode({k: v})}&" for k, v in request.GET.items() if k in fields and k != "period"
        ),
    }
    if result is not None:
        timings = getattr(result, "timings", None)
        ctx["seconds"] = timings.query_seconds + timings.model_seconds if timings else None
        ctx.update(present(result, params))
    return render(request, template, ctx)


@login_required
def index(request):
    readable = []
    for name in ORDER:
        kind = REPORTS[name]
        if policies.can(request.user, "view", kind.resource_for(kind.input())):
            readable.append({"name": name, "title": kind.title, "about": DESCRIPTIONS[name]})
    if not readable:
        policies.require(request.user, "view", SHARED)
    return render(request, "reports/index.html", {"section": "reports", "reports": readable})


@login_required
def attribution(request):
    fields = ("conversion", "group_by", "lookback_days", "half_life_days")
    return _page(request, "attribution", fields, attribution_view, "reports/attribution.html")


@login_required
def funnel(request):
    fields = ("period", "cohort_by", "segment_by")
    return _page(request, "funnel", fields, funnel_view, "reports/funnel.html")


@login_required
def lifetime(request):
    fields = ("group_by", "segment_by", "horizon_periods")

    def present(result, params):
        view = lifetime_view(result, params)
        view["names"] = customer_names([c.customer_id for c in result.top_customers])
        return view

    return _page(request, "lifetime", fields, present, "reports/lifetime.html")


@login_required
def profitability(request):
    fields = ("group_by", "period", "segment_by")
    return _page(request, "profitability", fields, profitability_view, "reports/profitability.html")


@login_required
def forecast(request):
    fields = ("horizon_days",)
    return _page(request, "forecast", fields, forecast_view, "reports/forecast.html")


@login_required
def mediamix(request):
    fields = ("adstock", "max_lag_weeks")
    return _page(request, "mediamix", fields, mediamix_view, "reports/mediamix.html")


@login_required
def run_progress(request, run_id: int):
    """The progress of a run, for the page to poll; reloads the page once it is done."""
    run = selectors.run_get_for_user(user=request.user, run_id=run_id)
    if run.is_finished:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "reports/_progress.html", {"run": run})
