"""The form's business event (``core.business_events``) and the payload it carries.

Built from the submission in hand, without a query. Documented shape: ``webhooks.payloads``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tandem.core.business_events import business_event_announce
from tandem.marketing.models import FormSubmission, LeadForm


def submission_data(
    submission: FormSubmission, *, form: LeadForm, is_new_contact: bool
) -> dict[str, Any]:
    """The submission as webhooks tell it (payload version 1): the answers as the visitor
    gave them, after the form's checks."""
    return {
        "id": submission.pk,
        "form_id": form.pk,
        "form_slug": form.slug,
        "contact_id": submission.contact_id,
        "is_new_contact": is_new_contact,
        "data": dict(submission.data or {}),
        "consent_given": submission.consent_given,
        "submitted_at": submission.submitted_at.isoformat(),
    }


def form_submitted_event(
    submission: FormSubmission, *, form: LeadForm, is_new_contact: bool
) -> None:
    """Announce ``form.submitted``."""
    business_event_announce(
        "form.submitted",
        {"submission": submission_data(submission, form=form, is_new_contact=is_new_contact)},
        occurred_at=timezone.now(),
        subjects={"contact": submission.contact_id, "form": form.pk},
    )
