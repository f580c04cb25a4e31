"""Reads of reports: a run for whoever may read its report, and what a campaign earned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from tandem.access import policies
from tandem.analytics.attribution import AttributionModel
from tandem.analytics.attribution.inputs import AttributionResult
from tandem.reports.analyses import report_type
from tandem.reports.models import ReportRun
from tandem.sales.models import Deal, PipelineStage


def run_get_for_user(*, user: Any, run_id: int) -> ReportRun:
    """The run ``run_id`` if ``user`` may read its report (Http404 / PermissionDenied)."""
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such report run")
    kind = report_type(run.analysis)
    policies.require(user, "view", kind.resource_for(kind.input.model_validate(run.params)))
    return run


def campaign_attributed(campaign_id: int) -> dict[str, Decimal]:
    """The open pipeline and the won revenue of the deals a campaign sourced.

    ``{"pipeline": …, "revenue": …}`` in one grouped query; the campaign page shows it beside
    the campaign's budget. Multi-touch credit is on the attribution report.
    """
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))
    sums = Deal.objects.filter(source_campaign_id=campaign_id).aggregate(
        pipeline=Coalesce(Sum("amount", filter=Q(stage__outcome=PipelineStage.Outcome.OPEN)), zero),
        revenue=Coalesce(Sum("amount", filter=Q(stage__outcome=PipelineStage.Outcome.WON)), zero),
    )
    return {"pipeline": sums["pipeline"], "revenue": sums["revenue"]}


@dataclass(frozen=True)
class CampaignCredit:
    """A campaign's share of won revenue under each attribution model, from one report run."""

    run_id: int
    finished_at: dt.datetime | None
    lookback_days: float | None
    # (model, revenue credited, conversions credited), in the run's order of models.
    models: list[tuple[AttributionModel, float, float]]


def campaign_credit(campaign_name: str) -> CampaignCredit | None:
    """What the latest finished attribution run of won revenue by campaign credits to this
    campaign (the report keys campaigns by name), or None before any such run.

    Read from the stored run, not computed here: a run reads every touch, which is the
    attribution report's work (and its worker's, on big data), not a campaign page's."""
    run = (
        ReportRun.objects.filter(
            analysis="attribution",
            status=ReportRun.Status.DONE,
            params__group_by="campaign",
            params__conversion="revenue",
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None or run.result is None:
        return None
    result = AttributionResult.model_validate(run.result)
    models = []
    for credits in result.models:
        mine = next((c for c in credits.credits if c.key == campaign_name), None)
        models.append(
            (credits.model, mine.value if mine else 0.0, mine.conversions if mine else 0.0)
        )
    return CampaignCredit(run.pk, run.finished_at, run.params.get("lookback_days"), models)
