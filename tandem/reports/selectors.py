"""Reads of reports: a run for whoever may read its report, and what a campaign earned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from tandem.access import policies
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
