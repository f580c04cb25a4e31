"""Pages both teams read over a period: the lifecycle funnel and sales' feedback."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tandem.handoff import selectors
from tandem.handoff.views.base import may_see, period

# How feedback can be grouped, as the page's switch names them.
FEEDBACK_GROUPS = (
    ("campaign", "campaign"),
    ("source", "source"),
    ("segment", "segment"),
    ("grade", "grade at hand-off"),
)


@login_required
def lifecycle(request):
    """How many contacts entered each lifecycle stage in the period, and how fast they moved."""
    may_see(request)
    ctx = period(request)
    ctx.update(
        section="handoff",
        report=selectors.lifecycle_report(since=ctx["period"].start, until=ctx["period"].end),
    )
    return render(request, "handoff/lifecycle.html", ctx)


@login_required
def feedback(request):
    """Why sales turned leads back, by campaign, source, segment or grade at hand-off."""
    may_see(request)
    by = request.GET.get("by", "campaign")
    if by not in selectors.FEEDBACK_GROUPS:
        by = "campaign"
    ctx = period(request)
    rows = selectors.lead_feedback(by=by, since=ctx["period"].start, until=ctx["period"].end)
    reasons = sorted({label for row in rows for label in (row.reasons or {})})
    ctx.update(
        section="handoff", by=by, rows=rows, reason_labels=reasons, groups=list(FEEDBACK_GROUPS)
    )
    template = "handoff/_feedback_table.html" if request.htmx else "handoff/feedback.html"
    return render(request, template, ctx)
