"""Background work of marketing: refreshing contacts after a batch of touches."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from tandem.handoff import services as handoff
from tandem.people import services as people
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact


@task()
def contacts_touched_refresh(contact_ids: list[int], interest_ids: list[int]) -> None:
    """After a touch batch: a subscriber who showed interest becomes a lead (as ``touch_log``
    moves one), every touched contact is rescored (the hand-off follows at the threshold), and
    segment membership is refreshed for them."""
    interested = set(interest_ids)
    for contact in Contact.objects.filter(pk__in=contact_ids).select_related("account"):
        with transaction.atomic():
            if contact.pk in interested and contact.lifecycle_stage in (
                Stage.SUBSCRIBER,
                Stage.RECYCLED,
            ):
                people.lifecycle_move(
                    contact=contact, to_stage=Stage.LEAD, reason="touch batch", via="api:batch"
                )
            handoff.contact_rescore(contact=contact, via="api:batch")
    segments_refresh_for(contact_ids)


def segments_refresh_for(contact_ids: list[int]) -> None:
    """Hand the touched contacts to the segments area's incremental refresh in one bulk call."""
    from tandem.segments.services import segments_refresh_for_contacts

    segments_refresh_for_contacts(contact_ids)


@task()
def submission_confirm_send(submission_id: int) -> None:
    """Email the double opt-in link: consent is granted only when the visitor follows it."""
    from tandem.marketing.models import FormSubmission
    from tandem.marketing.services import submission_confirm_token

    submission = FormSubmission.objects.select_related("form", "contact").get(pk=submission_id)
    form = submission.form
    path = reverse("form_confirm", args=[submission_confirm_token(submission)])
    link = f"{settings.BASE_URL}{path}"
    send_mail(
        subject=f"Please confirm: {form.headline or form.name}",
        message=(
            f"You asked to hear from us through “{form.headline or form.name}”, agreeing to:\n\n"
            f"  {submission.consent_wording}\n\n"
            f"Confirm by opening this link (it works for 7 days):\n{link}\n\n"
            "If this wasn't you, ignore this email and we will not write again.\n"
        ),
        from_email=None,
        recipient_list=[submission.contact.email],
    )
