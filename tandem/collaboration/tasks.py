"""Background work of collaboration: notification emails, right away or as a daily digest."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from tandem.collaboration.models import EmailMode, Notification, SurveyInvitation
from tandem.collaboration.survey_links import survey_link_token
from tandem.mailing import gate
from tandem.people.email_gate import Purpose


@task()
def notification_email_send(notification_id: int) -> None:
    """Email one notification to its recipient, unless it was already emailed or read."""
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at or notification.read_at:
        return
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        return
    send_mail(
        subject=f"Tandem: {notification.text}",
        message=f"{notification.text}\n\nOpen it: {settings.BASE_URL}{notification.url}\n",
        from_email=None,
        recipient_list=[recipient.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


@task()
def digests_send() -> int:
    """One email per person on the daily digest listing what they have not read or been sent.

    Returns how many digests went out.
    """
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            recipient__is_active=True,
            recipient__notification_preference__email_mode=EmailMode.DIGEST,
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "id")
    )
    by_recipient: dict[int, list[Notification]] = {}
    for notification in pending:
        by_recipient.setdefault(notification.recipient_id, []).append(notification)
    for items in by_recipient.values():
        recipient = items[0].recipient
        lines = [f"- {n.text}\n  {settings.BASE_URL}{n.url}" for n in items]
        send_mail(
            subject=f"Tandem: {len(items)} new notification{'s' if len(items) != 1 else ''}",
            message="Since your last digest:\n\n" + "\n".join(lines) + "\n",
            from_email=None,
            recipient_list=[recipient.email],
        )
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now())
    return len(by_recipient)


@task()
def survey_invitation_send(invitation_id: int) -> str:
    """Email a contact their signed link to a survey, through the gate of every email to a
    contact (consent and the suppression list read again now; the unsubscribe link and the
    one-click headers added). An invitation the gate refuses was never sent: its row is
    removed, so it counts in no response rate. Returns the refusal, ``""`` when it went."""
    invitation = (
        SurveyInvitation.objects.select_related("survey", "contact")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return "no such invitation"
    survey, contact = invitation.survey, invitation.contact
    token = survey_link_token(survey=survey, contact=contact)
    intro = f"{survey.intro}\n\n" if survey.intro else ""
    refusal = gate.contact_email_send(
        contact=contact,
        purpose=Purpose.SURVEY,
        subject=survey.title,
        body=f"{intro}Tell us what you think: {settings.BASE_URL}/s/{token}/\n",
    )
    if refusal:
        invitation.delete()
    return refusal
