"""Background work of marketing: refreshing contacts after a batch of touches."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from tandem.handoff import services as handoff
from tandem.marketing.confirmation import submission_confirm_token
from tandem.marketing.models import FormSubmission
from tandem.marketing.retention import visits_prune
from tandem.people import touches
from tandem.people.email_gate import Purpose, contact_email_send
from tandem.segments.services import segments_refresh_for_contacts


@task()
def contacts_touched_refresh(contact_ids: list[int], interest_ids: list[int]) -> None:
    """After a touch batch: a subscriber who showed interest becomes a lead (as ``touch_log``
    moves one), every touched contact is rescored in bulk (the ones newly at the threshold are
    handed off and routed), and segment membership is refreshed for them."""
    touches.contacts_interest_move(
        contact_ids=set(interest_ids) & set(contact_ids), reason="touch batch", via="api:batch"
    )
    # The bulk rescore also refreshes segment membership of every touched contact.
    handoff.contacts_rescore_for_touches(contact_ids=contact_ids, via="api:batch")


def segments_refresh_for(contact_ids: list[int]) -> None:
    """Hand the touched contacts to the segments area's incremental refresh in one bulk call."""
    segments_refresh_for_contacts(contact_ids)


@task()
def submission_confirm_send(submission_id: int) -> str:
    """Email the double opt-in link: consent is granted only when the visitor follows it. Sent
    through the gate of every email to a contact (a bounced, complained or erased address gets
    nothing); returns the gate's refusal, ``""`` when it went."""
    submission = FormSubmission.objects.select_related("form", "contact").get(pk=submission_id)
    form = submission.form
    path = reverse("form_confirm", args=[submission_confirm_token(submission)])
    link = f"{settings.BASE_URL}{path}"
    return contact_email_send(
        contact=submission.contact,
        purpose=Purpose.CONFIRMATION,
        subject=f"Please confirm: {form.headline or form.name}",
        body=(
            f"You asked to hear from us through “{form.headline or form.name}”, agreeing to:\n\n"
            f"  {submission.consent_wording}\n\n"
            f"Confirm by opening this link (it works for 7 days):\n{link}\n\n"
            "If this wasn't you, ignore this email and we will not write again.\n"
        ),
    )


@task()
def tracking_prune() -> int:
    """Delete anonymous visits past the retention (daily, by the clock); how many went."""
    return visits_prune()
