"""Doors for the three homes: marketing's (the long clock), sales' (the sprint clock) and the
shared numbers page both teams and leadership open."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from tandem.access import policies
from tandem.collaboration.selectors import cross_training_counts
from tandem.collaboration.survey_selectors import nps_trend
from tandem.core import charts
from tandem.core.periods import MARKETING_CLOCK, SALES_CLOCK, period_context
from tandem.dashboards import marketing_home, metrics
from tandem.handoff import selectors as handoff_selectors
from tandem.handoff import service_levels
from tandem.handoff.models import RejectionReason
from tandem.marketing import selectors as marketing_selectors
from tandem.sales import scorecard
from tandem.sales import selectors as sales_selectors
from tandem.sales import services as sales_services


def _lines_chart(rows: list[dict], *, title: str) -> str:
    """A monthly line chart, or nothing when the rows span a single month (no line to draw)."""
    if len({r["month"] for r in rows}) < 2:
        return ""
    return charts.monthly_lines_svg(rows, title=title)


@login_required
def marketing(request):
    """Marketing's home: results by campaign and the crowd metrics, on the long clock."""
    policies.require(request.user, "view", "marketing_home")
    ctx = period_context(request, "12m", MARKETING_CLOCK + SALES_CLOCK)
    period = ctx["period"]
    rows = metrics.campaign_results(period)
    chart_rows = [
        {"campaign": r.name, "measure": measure, "count": getattr(r, attr)}
        for r in rows[:12]
        for measure, attr in (("Leads", "leads"), ("MQLs", "mqls"), ("Accepted", "accepted"))
    ]
    growth = marketing_home.audience_growth(period)
    monthly = marketing_home.leads_by_month(period)
    today = timezone.localdate()
    campaigns = list(
        marketing_selectors.campaigns_for_user(user=request.user).order_by("-starts_on", "name")[
            :12
        ]
    )
    ctx.update(
        growth_chart=_lines_chart(growth, title="New contacts by audience type"),
        growth=growth,
        by_channel=marketing_home.reach_by_channel(period),
        by_segment=marketing_home.reach_by_segment(period),
        monthly_chart=_lines_chart(monthly, title="Leads and MQLs per month"),
        monthly=monthly,
        cost=marketing_home.cost_per_lead(period),
        campaign_rows=[(c, c.status_on(today)) for c in campaigns],
        section="marketing",
        rows=rows,
        totals={
            k: sum(getattr(r, k) for r in rows) for k in ("leads", "mqls", "accepted", "rejected")
        },
        reasons=metrics.rejection_reasons(period),
        everyone=metrics.everyone_touches(period),
        chart=charts.grouped_bars_svg(
            chart_rows,
            category="campaign",
            series="measure",
            value="count",
            title="Leads, MQLs and accepted by campaign",
        ),
    )
    return render(request, "marketing/home.html", ctx)


@login_required
def sales(request):
    """Sales' home: the lead queue, the pipeline board and the numbers, on the sprint clock.

    htmx asks for one part (``?part=board`` or ``numbers``) to redraw it in place.
    """
    policies.require(request.user, "view", "sales_home")
    # A fresh install has no pipeline yet: the home is the first page that needs one, so it
    # asks the service for it explicitly (a write) rather than letting a read create it.
    pipeline = sales_selectors.pipeline_get(pipeline_id=None) or sales_services.pipeline_default()
    ctx = period_context(request, "month", SALES_CLOCK)
    ctx.update(
        section="sales",
        queue=handoff_selectors.lead_queue(user=request.user),
        reasons=RejectionReason.choices,
        board=metrics.pipeline_board(user=request.user, pipeline=pipeline),
        numbers=metrics.sales_numbers(user=request.user, period=ctx["period"]),
    )
    ctx["total"], ctx["teams"] = scorecard.scorecards(user=request.user, period=ctx["period"])
    part = request.GET.get("part") if request.htmx else None
    if part in ("board", "numbers"):
        return render(request, f"sales/_{part}.html", ctx)
    return render(request, "sales/home.html", ctx)


def _handoff_level(period) -> dict:
    """Both hand-off promises in the period, read from the hand-off app's service levels."""
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
    """The shared numbers: qualified leads by both teams' count, the gap between them, the
    hand-off promises, cross-training and the NPS trend."""
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
