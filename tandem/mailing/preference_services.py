"""What a contact decides about our email from the email itself: unsubscribe (the link and the
one-click POST of RFC 8058), subscribe again, and the topics they want (the preference page).
Each decision is an entry in the consent log (``tandem.people.consent``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tandem.audit import events as audit
from tandem.handoff import services as handoff
from tandem.mailing.models import (
    EmailRecipient,
    EmailSend,
    Suppression,
    SuppressionReason,
    Topic,
    TopicOptOut,
)
from tandem.mailing.services import suppression_add
from tandem.people import consent
from tandem.people import services as people
from tandem.people.email_gate import ConsentConfirmed
from tandem.people.models import Channel, ConsentChannel, Contact, TouchKind


def contact_unsubscribe(
    *,
    contact: Contact,
    email: str,
    source: str,
    detail: str,
    campaign_send: EmailSend | None = None,
    how: str = "unsubscribe link",
    at: dt.datetime | None = None,
) -> bool:
    """The contact wants no more email: their email consent is withdrawn (an entry in the
    consent log), the address suppressed and a touch recorded. False when they had already
    unsubscribed (the withdrawal is logged again all the same: they said it again)."""
    when = at or timezone.now()
    campaign = campaign_send.campaign if campaign_send else None
    with transaction.atomic():
        already = Suppression.objects.filter(email=email).exists()
        people.consent_record(
            contact=contact,
            channel=ConsentChannel.EMAIL,
            is_granted=False,
            source=source,
            at=when,
        )
        suppression_add(
            email=email,
            reason=SuppressionReason.UNSUBSCRIBED,
            detail=detail,
            at=when,
            via="unsubscribe link",
        )
        if already:
            return False
        handoff.touch_log(
            contact=contact,
            kind=TouchKind.NOTE,
            channel=Channel.EMAIL,
            campaign=campaign,
            occurred_at=when,
            utm={
                "source": "tandem",
                "medium": "email",
                "campaign": campaign.utm_campaign if campaign else "",
            },
            summary=f"Unsubscribed from marketing email ({how})"[:2000],
            via="email",
        )
    return True


def recipient_unsubscribe(
    *, recipient: EmailRecipient, source: str = "unsubscribe link", at: dt.datetime | None = None
) -> bool:
    """The recipient of a send wants no more marketing email (``contact_unsubscribe``). False
    when they had already unsubscribed."""
    return contact_unsubscribe(
        contact=recipient.contact,
        email=recipient.email,
        source=f"{source}: {recipient.send.name}"[:200],
        detail=f"{source} in {recipient.send.name}",
        campaign_send=recipient.send,
        how=source,
        at=at,
    )


def contact_resubscribe(
    *, contact: Contact, source: str = "preference page", at: dt.datetime | None = None
) -> None:
    """The contact, through their signed preferences link, wants marketing email again: email
    consent granted again (logged) and their *unsubscribed* suppression lifted. A suppression
    for a bounce, a complaint or by hand stays."""
    with transaction.atomic():
        people.consent_record(
            contact=contact,
            channel=ConsentChannel.EMAIL,
            is_granted=True,
            source=f"re-subscribed ({source})",
            wording="Subscribed again from the email preferences page.",
            at=at,
        )
        unsubscribed_lift(email=contact.email, via=source)


def unsubscribed_lift(*, email: str, via: str) -> None:
    """Lift an address's *unsubscribed* suppression (the person opted in again themselves:
    re-subscribe, or a confirmed double opt-in); other reasons stay."""
    for suppression in Suppression.objects.filter(
        email=email, reason=SuppressionReason.UNSUBSCRIBED
    ):
        audit.record_deleted(actor=None, obj=suppression, via=via)
        suppression.delete()


def consent_confirmed_listener(event: ConsentConfirmed) -> None:
    """people's ``CONSENT_CONFIRMED``: a double opt-in confirmed lifts an unsubscribe."""
    unsubscribed_lift(email=event.email, via="double opt-in")


def preferences_save(
    *,
    contact: Contact,
    topics_out: Iterable[int],
    source: str = "preference page",
    at: dt.datetime | None = None,
) -> None:
    """Keep the contact's opt-outs of the topics on offer to exactly ``topics_out`` (those of
    archived topics, not on the page, are kept); each change is an entry in the consent log."""
    when = at or timezone.now()
    offered = {t.pk: t for t in Topic.objects.filter(is_archived=False)}
    wanted = {pk for pk in topics_out if pk in offered}
    with transaction.atomic():
        have = set(
            TopicOptOut.objects.select_for_update()
            .filter(contact=contact, topic_id__in=list(offered))
            .values_list("topic_id", flat=True)
        )
        TopicOptOut.objects.filter(contact=contact, topic_id__in=have - wanted).delete()
        TopicOptOut.objects.bulk_create(
            [TopicOptOut(contact=contact, topic_id=t) for t in wanted - have],
            ignore_conflicts=True,
        )
        for topic_id in sorted((have - wanted) | (wanted - have)):
            is_granted = topic_id not in wanted
            consent.topic_consent_record(
                contact=contact,
                topic_id=topic_id,
                topic_name=offered[topic_id].name,
                is_granted=is_granted,
                was_granted=not is_granted,
                source=source,
                at=when,
            )
