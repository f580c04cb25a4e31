"""The SLA page: sales' first-touch promise and marketing's lead promise, side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from tandem.access import policies
from tandem.handoff import service_levels
from tandem.handoff.views.base import may_see, period


@login_required
def sla(request):
    """The SLA page: sales' first-touch promise and marketing's lead promise, side by side."""
    may_see(request)
    ctx = period(request)
    span = ctx["period"]
    ctx.update(
        section="handoff",
        sales=service_levels.sales_promise(since=span.start, until=span.end),
        marketing=service_levels.marketing_promise(
            since=span.start, until=span.end, period=span.key
        ),
        level=service_levels.service_level(),
        now=timezone.now(),
        can_see_reps=policies.can(request.user, "view", "rep_availability"),
    )
    return render(request, "handoff/sla.html", ctx)
