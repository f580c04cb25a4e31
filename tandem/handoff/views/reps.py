"""Reps: lead capacity and away, set by their sales manager or an admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.handoff import selectors
from tandem.handoff.rep_services import MAX_LEAD_CAPACITY, rep_availability_set


def _reps_page(request, errors: dict | None = None, values: dict | None = None, status=200):
    policies.require(request.user, "view", "rep_availability")
    reps = list(selectors.reps_for_user(user=request.user))
    return render(
        request,
        "handoff/reps.html",
        {
            "section": "handoff",
            "rows": [
                {
                    "rep": rep,
                    "can_change": policies.can(request.user, "change", "rep_availability", rep),
                    "errors": (errors or {}).get(rep.pk, {}),
                    "values": (values or {}).get(rep.pk)
                    or {
                        "lead_capacity": rep.lead_capacity,
                        "is_available_for_leads": rep.is_available_for_leads,
                    },
                }
                for rep in reps
            ],
            "max_capacity": MAX_LEAD_CAPACITY,
        },
        status=status,
    )


@login_required
def reps(request):
    """Each rep's lead capacity and whether they are away: routing reads both."""
    return _reps_page(request)


@login_required
@require_POST
def rep_set(request, rep_id: int):
    """Set one rep's lead capacity and away flag; refused: the page again with the errors."""
    rep = selectors.rep_get_for_user(user=request.user, rep_id=rep_id)
    values = {
        "lead_capacity": request.POST.get("lead_capacity", "").strip(),
        "is_available_for_leads": request.POST.get("is_away") != "on",
    }
    try:
        rep_availability_set(actor=request.user, rep=rep, **values)
    except InvalidInput as exc:
        return _reps_page(request, errors={rep.pk: exc.errors}, values={rep.pk: values})
    state = "available" if rep.is_available_for_leads else "away"
    messages.success(request, f"{rep}: up to {rep.lead_capacity} waiting leads, {state}.")
    return redirect("handoff:reps")
