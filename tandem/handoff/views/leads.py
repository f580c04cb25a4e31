"""Sales' answer to a hand-off (accept, or reject with a reason) and one lead's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.errors import InvalidInput
from tandem.handoff import predictive, scoring, selectors, services
from tandem.handoff.models import RejectionReason


def _queue_fragment(request, notice: str = "", error: str = ""):
    return render(
        request,
        "handoff/_queue.html",
        {
            "queue": selectors.lead_queue(user=request.user),
            "reasons": RejectionReason.choices,
            "notice": notice,
            "error": error,
        },
    )


@login_required
@require_POST
def lead_accept(request, lead_id: int):
    """Sales accepts a lead: a deal opens (the queue again, or the deal's page)."""
    lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
    try:
        deal = services.lead_accept(actor=request.user, lead=lead)
    except InvalidInput as exc:
        if request.htmx:
            return _queue_fragment(request, error="; ".join(exc.errors.values()))
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect("sales:home")
    if request.htmx:
        response = _queue_fragment(request, notice=f"Accepted {lead.contact}: deal opened.")
        response["HX-Trigger"] = "pipeline-changed"
        return response
    messages.success(request, f"Accepted {lead.contact}: deal opened.")
    return redirect("sales:deal", deal_id=deal.pk)


@login_required
@require_POST
def lead_reject(request, lead_id: int):
    """Sales turns a lead back with a reason (and maybe a nurture date) marketing will see."""
    lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
    try:
        services.lead_reject(
            actor=request.user,
            lead=lead,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            nurture_until=request.POST.get("nurture_until", ""),
        )
        notice, error = f"Rejected {lead.contact}; marketing will see why.", ""
    except InvalidInput as exc:
        notice, error = "", "; ".join(exc.errors.values())
    if request.htmx:
        return _queue_fragment(request, notice=notice, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("sales:home")


@login_required
def lead_detail(request, lead_id: int):
    """One lead: why it scores what it does, its grade, and the predictive score explained."""
    lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
    score = scoring.score_contact(lead.contact)
    return render(
        request,
        "handoff/lead.html",
        {
            "lead": lead,
            "score": score,
            "prediction": predictive.explain_contact(lead.contact),
            "reasons": RejectionReason.choices,
            "section": "handoff",
        },
    )
