"""What segment rules may name from marketing: its forms and campaigns, and where a form's
submissions are read. Registered from ``MarketingConfig.ready()``: segments sits below
marketing and never imports it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.db.models.lookups import Exact

from tandem.marketing.models import Campaign, FormSubmission, LeadForm
from tandem.segments.conditions import Reference, reference_register
from tandem.segments.conditions.behaviour import form_submissions_register


def form_submissions(
    form_id: int, campaign_id: int | None, column: Callable[[str], Any]
) -> tuple[QuerySet, str]:
    """The form's submissions (those whose touch credits the campaign, when one is named) for
    the behaviour condition, with their time column."""
    rows: QuerySet = FormSubmission.objects.filter(Exact(column("form_id"), form_id))
    if campaign_id:
        rows = rows.filter(touch__campaign_id=campaign_id)
    return rows, "submitted_at"


def segment_conditions_register() -> None:
    """Let segment rules name forms and campaigns, and read a form's submissions."""
    reference_register(Reference("form", "form", LeadForm.objects.all))
    reference_register(Reference("campaign", "campaign", Campaign.objects.all))
    form_submissions_register(form_submissions)
