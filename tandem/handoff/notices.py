"""Telling a rep a lead is waiting: an email sent in the background after the hand-off.

Apart from the scheduled jobs (``tasks``), which call the services: the services enqueue this
one, so it must not import them back.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from tandem.handoff.models import Lead


@task()
def lead_assigned_notify(lead_id: int) -> None:
    """Email the lead's rep that it waits for them (nobody to tell: nothing happens)."""
    lead = Lead.objects.select_related("contact", "assigned_to", "campaign").get(pk=lead_id)
    rep = lead.assigned_to
    if rep is None or not rep.email:
        return
    contact = lead.contact
    campaign = f" from {lead.campaign.name}" if lead.campaign else ""
    send_mail(
        subject=f"New lead for you: {contact}",
        message=(
            f"{contact} ({contact.email}) is a marketing-qualified lead{campaign}, "
            f"score {lead.score_at_handoff}.\n\n"
            f"Accept or reject it: {settings.BASE_URL}/sales/\n"
        ),
        from_email=None,
        recipient_list=[rep.email],
    )
