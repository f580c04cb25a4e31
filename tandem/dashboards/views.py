"""The shared numbers page both teams and leadership open."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from tandem.collaboration.selectors import cross_training_counts
from tandem.collaboration.survey_selectors import nps_trend
from tandem.dashboards import charts, metrics
from tandem.dashboards.periods import PERIOD_LABELS, period_for


def period_context(request, default: str, keys: tuple[str, ...] | None = None) -> dict:
    period = period_for(request.GET.get("period", default))
    choices = [(k, v) for k, v in PERIOD_LABELS.items() if keys is None or k in keys]
    return {"period": period, "period_choices": choices}


def _handoff_level(period) -> dict:
    """Both hand-off promises in the period, read from the hand-off app's service levels."""
    from tandem.handoff import service_levels

    sales = service_levels.sales_promise(since=period.start, until=period.end)
    marketing = service_levels.marketing_promise(
        since=period.start, until=period.end, period=period.key
    )
    return {
        "hours": sales.hours,
        "handed_off": sales.handed_off,
        "met": sales.met,
        "breached": sales.breached,
        "waiting": len(sales.waiting),
        "compliance": sales.compliance,
        "leads_needed": marketing.leads_needed,
        "leads_delivered": marketing.leads_delivered,
        "acceptance_rate": marketing.acceptance_rate,
    }


@login_required
def shared(request):
    ctx = period_context(request, "quarter")
    ctx.update(
        section="shared",
        numbers=metrics.shared_numbers(ctx["period"]),
        reasons=metrics.rejection_reasons(ctx["period"]),
    )
    trend = metrics.monthly_trend(ctx["period"])
    ctx["trend_chart"] = (
        charts.monthly_lines_svg(
            [
                {"month": row.month, "measure": label, "count": getattr(row, attr)}
                for row in trend
                for label, attr in (("MQLs", "mqls"), ("Accepted", "accepted"), ("Won", "won"))
            ],
            title="Qualified leads and wins by month",
        )
        if len(trend) > 1
        else ""
    )
    numbers = ctx["numbers"]
    # Why the two qualified-lead counts differ: rejections and leads still waiting explain
    # most of it; the rest are MQLs not handed off (nurtured, no rep) or answered in another
    # period than the one they were qualified in.
    gap = numbers.mqls - numbers.accepted
    ctx["gap"] = {
        "total": gap,
        "rejected": numbers.rejected,
        "waiting": numbers.waiting,
        "other": gap - numbers.rejected - numbers.waiting,
    }
    ctx["handoff_level"] = _handoff_level(ctx["period"])
    today = timezone.localdate()
    ctx["cross_training"] = cross_training_counts(day=today)
    ctx["nps_trend"] = nps_trend(since=today.replace(day=1) - dt.timedelta(days=365))
    return render(request, "dashboards/shared.html", ctx)
