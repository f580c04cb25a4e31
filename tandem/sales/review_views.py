"""Doors for what both teams share: the fit reviews and the playbook answers as research."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.sales import review_services, selectors
from tandem.sales.models import FitReview
from tandem.sales.schemas import DecisionIn, ReviewOpenIn


@login_required
def reviews(request):
    policies.require(request.user, "view", "fit_review")
    status = request.GET.get("status", "open")
    if status not in FitReview.Status.values and status != "":
        status = "open"
    return render(
        request,
        "sales/reviews.html",
        {
            "reviews": selectors.fit_reviews_list(user=request.user, status=status),
            "status": status,
            "statuses": FitReview.Status.choices,
            "section": "shared",
        },
    )


@login_required
@require_POST
def review_decide(request, review_id: int):
    review = selectors.fit_review_get_for_user(user=request.user, review_id=review_id)
    try:
        decided = typed_input(DecisionIn, request.POST)
        review_services.fit_review_decide(actor=request.user, review=review, **decided.model_dump())
        messages.success(request, "Your decision is recorded.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("sales:deal", deal_id=review.deal_id)


@login_required
def research(request):
    by = request.GET.get("by", "industry")
    try:
        rows = selectors.market_research(user=request.user, by=by)
    except InvalidInput:
        by, rows = "industry", selectors.market_research(user=request.user, by="industry")
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.question, []).append(row)
    return render(
        request,
        "sales/research.html",
        {
            "by": by,
            "grouped": grouped,
            "minimum": selectors.MIN_ANSWERS,
            "section": "marketing" if request.user.is_marketing else "sales",
        },
    )


@login_required
@require_POST
def review_open(request, deal_id: int):
    deal = selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    try:
        opened = typed_input(ReviewOpenIn, request.POST)
        review_services.fit_review_open(actor=request.user, deal=deal, reason=opened.reason)
        messages.success(request, "Fit review opened: both teams' managers will decide.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("sales:deal", deal_id=deal.pk)
