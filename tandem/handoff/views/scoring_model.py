"""The predictive score's page: whether it is in use, how well it foretold sales' verdicts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.handoff import selectors
from tandem.handoff.models import RejectionReason
from tandem.handoff.tasks import predictive_retrain
from tandem.handoff.views.base import may_see


@login_required
def scoring_model(request):
    """The predictive score: whether it is in use, its evaluation on a later period, and how
    well it and the rule score foretold sales' verdicts (accepted or rejected, won or lost)."""
    may_see(request)
    record = selectors.predictive_model_latest()  # the page shows its evaluation, not the model
    evaluation = (record.evaluation or {}) if record is not None else {}
    reasons = dict(RejectionReason.choices)
    leads = evaluation.get("leads_judged") or {}
    return render(
        request,
        "handoff/scoring_model.html",
        {
            "section": "handoff",
            "record": record,
            "evaluation": evaluation,
            "leads": leads,
            "deals": evaluation.get("deals_judged") or {},
            "rejections": [
                (reasons.get(key, key), count)
                for key, count in (leads.get("rejection_reasons") or {}).items()
            ],
            "can_retrain": policies.can(request.user, "change", "handoff_setup"),
        },
    )


@login_required
@require_POST
def scoring_model_retrain(request):
    """Retrain the predictive score in the background (managers who change the set-up)."""
    policies.require(request.user, "change", "handoff_setup")
    predictive_retrain.enqueue()
    messages.success(
        request, "Retraining started in the background; this page shows the new model when done."
    )
    return redirect("handoff:scoring_model")
