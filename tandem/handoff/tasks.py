"""Background work of the hand-off: telling a rep a lead is waiting."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from tandem.handoff.models import Lead


@task()
def lead_assigned_notify(lead_id: int) -> None:
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
