"""Queries of marketing email: templates, sends and their progress, suppressions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from tandem.access import policies
from tandem.mailing import links
from tandem.mailing.gate import address_is_suppressed
from tandem.mailing.models import (
    EmailRecipient,
    EmailSend,
    EmailTemplate,
    RecipientState,
    SendStatus,
    Suppression,
    Topic,
    TopicOptOut,
)
from tandem.people.models import Contact

RATE_WINDOW = dt.timedelta(seconds=60)


def templates_for_user(*, user: Any) -> QuerySet[EmailTemplate]:
    return policies.visible(user, "email_template", EmailTemplate.objects.select_related("owner"))


def template_get_for_user(*, user: Any, template_id: int) -> EmailTemplate:
    return policies.get_visible(
        user, "email_template", EmailTemplate.objects.select_related("topic"), template_id
    )


def sends_for_user(*, user: Any) -> QuerySet[EmailSend]:
    return policies.visible(
        user, "email_send", EmailSend.objects.select_related("template", "campaign", "owner")
    )


def send_get_for_user(*, user: Any, send_id: int) -> EmailSend:
    return policies.get_visible(
        user,
        "email_send",
        EmailSend.objects.select_related("template", "campaign", "owner", "topic"),
        send_id,
    )


def topics_for_user(*, user: Any) -> QuerySet[Topic]:
    """Every topic, archived last, each with how many contacts opted out of it."""
    return policies.visible(
        user,
        "email_topic",
        Topic.objects.annotate(opt_out_count=Count("opt_outs")).order_by("is_archived", "name"),
    )


def topic_get_for_user(*, user: Any, topic_id: int) -> Topic:
    return policies.get_visible(user, "email_topic", Topic.objects.all(), topic_id)


def topics_offered() -> QuerySet[Topic]:
    """The topics templates, sends and the preference page offer (not archived)."""
    return Topic.objects.filter(is_archived=False)


def suppressions_for_user(*, user: Any, search: str = "") -> QuerySet[Suppression]:
    qs = policies.visible(user, "suppression", Suppression.objects.all())
    if search:
        qs = qs.filter(email__icontains=search.strip().lower())
    return qs


def suppression_get_for_user(*, user: Any, suppression_id: int) -> Suppression:
    return policies.get_visible(user, "suppression", Suppression.objects.all(), suppression_id)


@dataclass(frozen=True)
class Progress:
    """Where a send is: recipients by state, opens and clicks, and the recent sending rate."""

    status: str
    status_label: str
    total: int
    pending: int
    sending: int
    sent: int
    skipped: int
    failed: int
    uncertain: int
    opened: int
    clicked: int
    per_minute: int
    last_error: str
    is_stalled: bool

    @property
    def done(self) -> int:
        return self.total - self.pending - self.sending

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def send_progress(*, send: EmailSend) -> Progress:
    """Counts for the send page and the API, in three grouped queries."""
    counts = dict(
        EmailRecipient.objects.filter(send=send)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    engagement = EmailRecipient.objects.filter(send=send, state=RecipientState.SENT).aggregate(
        opened=Count("opened_at"), clicked=Count("clicked_at")
    )
    now = timezone.now()
    per_minute = EmailRecipient.objects.filter(send=send, sent_at__gte=now - RATE_WINDOW).count()
    fresh = EmailSend.objects.filter(pk=send.pk).values(
        "status", "last_error", "lease_expires_at", "recipients_ready_at"
    )[0]
    stalled = (
        fresh["status"] == SendStatus.SENDING
        and fresh["recipients_ready_at"] is not None
        and (fresh["lease_expires_at"] is None or fresh["lease_expires_at"] < now)
        and per_minute == 0
        and counts.get(RecipientState.PENDING, 0) > 0
    )
    return Progress(
        status=fresh["status"],
        status_label=SendStatus(fresh["status"]).label,
        total=sum(counts.values()),
        pending=counts.get(RecipientState.PENDING, 0),
        sending=counts.get(RecipientState.SENDING, 0),
        sent=counts.get(RecipientState.SENT, 0),
        skipped=counts.get(RecipientState.SKIPPED, 0),
        failed=counts.get(RecipientState.FAILED, 0),
        uncertain=counts.get(RecipientState.UNCERTAIN, 0),
        opened=engagement["opened"],
        clicked=engagement["clicked"],
        per_minute=per_minute,
        last_error=fresh["last_error"],
        is_stalled=stalled,
    )


def recipients_by_state(*, send: EmailSend, state: str, limit: int = 50) -> list[EmailRecipient]:
    return list(
        EmailRecipient.objects.filter(send=send, state=state)
        .select_related("contact")
        .order_by("id")[:limit]
    )


def recipients_for_user(*, user: Any) -> QuerySet[EmailRecipient]:
    return policies.visible(user, "email_recipient", EmailRecipient.objects.all())


def recipient_get_for_user(*, user: Any, send: EmailSend, recipient_id: int) -> EmailRecipient:
    """One recipient of ``send``, for settling it from the send page."""
    return policies.get_visible(
        user,
        "email_recipient",
        EmailRecipient.objects.filter(send=send).select_related("send", "contact"),
        recipient_id,
    )


def recipient_from_link(*, token: str, salt: str) -> EmailRecipient:
    """The recipient a signed link names; Http404 for an altered or unknown one."""
    try:
        recipient_id = links.recipient_from_token(token, salt=salt)
    except links.LinkInvalid:
        raise Http404("This link is not valid.") from None
    return recipient_get(recipient_id=recipient_id)


def recipient_get(*, recipient_id: int) -> EmailRecipient:
    recipient = (
        EmailRecipient.objects.select_related("send__campaign", "contact__account")
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None:
        raise Http404("This link is not valid.")
    return recipient


def sends_with_counts(*, user: Any) -> QuerySet[EmailSend]:
    """The sends the user may see, each with its recipients counted by state."""
    from django.db.models import Q

    return sends_for_user(user=user).annotate(
        total=Count("recipients"),
        sent=Count("recipients", filter=Q(recipients__state=RecipientState.SENT)),
        opened=Count("recipients", filter=Q(recipients__opened_at__isnull=False)),
        clicked=Count("recipients", filter=Q(recipients__clicked_at__isnull=False)),
    )


def topic_find(*, topic_id: int) -> Topic | None:
    """The topic with this id, archived or not; None when there is none."""
    return Topic.objects.filter(pk=topic_id).first()


def topics_all() -> QuerySet[Topic]:
    """Every topic, archived ones too (a template keeps an archived topic)."""
    return Topic.objects.all()


def topics_opted_out(*, contact_id: int) -> set[int]:
    """The ids of the topics a contact opted out of."""
    return set(TopicOptOut.objects.filter(contact_id=contact_id).values_list("topic_id", flat=True))


def email_is_suppressed(*, email: str) -> bool:
    """Whether no marketing email may go to this address any more (by address or hash)."""
    return address_is_suppressed(email) is not None


def email_suppression_reason(*, email: str) -> str | None:
    """Why no marketing email may go to this address (by address or hash), None if nothing."""
    return address_is_suppressed(email)


def contact_from_link(*, token: str) -> Contact:
    """The contact a signed preferences link names; Http404 for an altered or unknown one."""
    try:
        contact_id = links.recipient_from_token(token, salt=links.CONTACT_SALT)
    except links.LinkInvalid:
        raise Http404("This link is not valid.") from None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise Http404("This link is not valid.")
    return contact
