"""Use cases of marketing email: sends, suppressions, unsubscribes, opens, clicks,
bounces and complaints. Templates are in ``tandem.mailing.template_services``, the sending
itself in ``tandem.mailing.engine``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.mailing import engine, gate, messages
from tandem.mailing.models import (
    EmailClick,
    EmailRecipient,
    EmailSend,
    EmailTemplate,
    RecipientState,
    SendStatus,
    Suppression,
    SuppressionReason,
    Topic,
)
from tandem.mailing.tasks import send_batch
from tandem.people import services as people
from tandem.people.models import Channel, ConsentChannel, TouchKind
from tandem.people.selectors import contact_find

MAX_RATE_PER_SECOND = 1000.0
MAX_BATCH_SIZE = 5000


def _enqueue_batch(send_id: int) -> None:
    transaction.on_commit(lambda: send_batch.enqueue(send_id))


# --- sends -----------------------------------------------------------------------------------


def _from_email(value: Any) -> str:
    raw = value.strip() if isinstance(value, str) else ""
    raw = raw or getattr(settings, "TANDEM_MAIL_FROM", "") or str(settings.DEFAULT_FROM_EMAIL)
    _, address = parseaddr(raw)
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput.field("from_email", f"'{raw}' is not a valid sender address") from None
    return raw


def _number(field: str, value: Any, *, low: float, high: float, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "must be a number") from None
    if not low <= number <= high:
        raise InvalidInput.field(field, f"must be between {low:g} and {high:g}")
    return number


def send_create(
    *,
    actor: Any,
    name: Any,
    template: EmailTemplate | None,
    segments: Iterable[Any],
    exclusions: Iterable[Any] = (),
    campaign: Any = None,
    from_email: Any = "",
    rate_per_second: Any = None,
    batch_size: Any = None,
    topic: Topic | None = None,
    via: str = "ui",
) -> EmailSend:
    """A draft send of ``template`` to ``segments`` minus ``exclusions``; nothing goes out
    until it is started. Its topic is ``topic``, else the template's: contacts who opted out
    of it are skipped."""
    policies.require(actor, "create", "email_send")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput.field("name", "is required")
    if template is None:
        raise InvalidInput.field("template", "choose a template")
    if topic is not None and topic.is_archived:
        raise InvalidInput.field("topic", f"the topic {topic.name!r} is archived")
    segments, exclusions = list(segments), list(exclusions)
    if not segments:
        raise InvalidInput.field("segments", "choose at least one segment to send to")
    default_rate = getattr(settings, "TANDEM_MAIL_RATE_PER_SECOND", 20.0)
    values = {
        "from_email": _from_email(from_email),
        "rate_per_second": _number(
            "rate_per_second",
            default_rate if rate_per_second in (None, "") else rate_per_second,
            low=0.1,
            high=MAX_RATE_PER_SECOND,
            kind=float,
        ),
        "batch_size": _number(
            "batch_size",
            500 if batch_size in (None, "") else batch_size,
            low=1,
            high=MAX_BATCH_SIZE,
            kind=int,
        ),
    }
    with transaction.atomic():
        send = EmailSend.objects.create(
            name=name.strip()[:200],
            template=template,
            campaign=campaign,
            topic=topic or template.topic,
            owner=actor,
            **values,
        )
        send.segments.set(segments)
        send.exclusions.set(exclusions)
        audit.record_created(actor=actor, obj=send, via=via)
    return send


def _change(actor: Any, send: EmailSend, via: str, **fields: Any) -> EmailSend:
    before = audit.snapshot(send)
    for key, value in fields.items():
        setattr(send, key, value)
    send.save(update_fields=list(fields))
    audit.record_updated(actor=actor, obj=send, before=before, via=via)
    return send


def _locked(send: EmailSend) -> EmailSend:
    return EmailSend.objects.select_for_update().get(pk=send.pk)


def send_start(*, actor: Any, send: EmailSend, via: str = "ui") -> EmailSend:
    """Start sending: the template's content is copied onto the send (later edits change
    nothing on its way; the topic is the one chosen when the send was made), and batches run
    in the background."""
    policies.require(actor, "change", "email_send", send)
    with transaction.atomic():
        send = _locked(send)
        if send.status != SendStatus.DRAFT:
            raise InvalidInput.field("status", f"this send is already {send.get_status_display()}")
        template = send.template
        _change(
            actor,
            send,
            via,
            subject=template.subject,
            html_body=template.html_body,
            text_body=template.text_body,
            status=SendStatus.SENDING,
            started_at=timezone.now(),
            last_error="",
        )
        _enqueue_batch(send.pk)
    return send


def send_pause(*, actor: Any, send: EmailSend, via: str = "ui") -> EmailSend:
    """Stop after the message in flight; nobody is skipped and nothing is sent twice."""
    policies.require(actor, "change", "email_send", send)
    with transaction.atomic():
        send = _locked(send)
        if send.status != SendStatus.SENDING:
            raise InvalidInput.field("status", "only a send that is sending can be paused")
        return _change(actor, send, via, status=SendStatus.PAUSED)


def send_resume(*, actor: Any, send: EmailSend, via: str = "ui") -> EmailSend:
    """Carry on from the first recipient not yet handled. A send whose worker died (its lease
    ran out) is picked up the same way."""
    policies.require(actor, "change", "email_send", send)
    with transaction.atomic():
        send = _locked(send)
        stalled = send.status == SendStatus.SENDING and (
            send.lease_expires_at is None or send.lease_expires_at < timezone.now()
        )
        if send.status != SendStatus.PAUSED and not stalled:
            raise InvalidInput.field("status", "only a paused or stalled send can be resumed")
        _change(actor, send, via, status=SendStatus.SENDING, last_error="")
        _enqueue_batch(send.pk)
    return send


def send_cancel(*, actor: Any, send: EmailSend, via: str = "ui") -> EmailSend:
    """Stop for good: recipients not reached yet are skipped."""
    policies.require(actor, "change", "email_send", send)
    with transaction.atomic():
        send = _locked(send)
        if send.status in (SendStatus.FINISHED, SendStatus.CANCELLED):
            raise InvalidInput.field("status", f"this send is already {send.get_status_display()}")
        EmailRecipient.objects.filter(send=send, state=RecipientState.PENDING).update(
            state=RecipientState.SKIPPED, reason="send cancelled"
        )
        return _change(actor, send, via, status=SendStatus.CANCELLED, finished_at=timezone.now())


def send_delete(*, actor: Any, send: EmailSend, via: str = "ui") -> None:
    """Delete a send with its recipient rows (a test or a mistake); never one that is sending."""
    policies.require(actor, "delete", "email_send", send)
    if send.status == SendStatus.SENDING:
        raise InvalidInput.field("status", "pause or cancel the send before deleting it")
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=send, via=via)
        send.delete()


class Settle:
    """What a marketing manager decides about a recipient left *uncertain*."""

    SENT = "sent"  # the message probably went: record it as sent
    AGAIN = "again"  # send it again, knowing the contact may get it twice
    ALL = ("sent", "again")


def recipient_settle(
    *, actor: Any, recipient: EmailRecipient, outcome: str, via: str = "ui"
) -> EmailRecipient:
    """Settle a recipient the engine left *uncertain* (the worker stopped between handing the
    message over and recording it). ``sent``: recorded as sent, with its *email sent* touch.
    ``again``: back in the queue; the send carries on (a finished one starts again) and the
    message goes out with the next batch, after consent and suppressions are read again — the
    contact may then have it twice."""
    policies.require(actor, "change", "email_recipient", recipient)
    if outcome not in Settle.ALL:
        raise InvalidInput.field("outcome", f"use one of {', '.join(Settle.ALL)}")
    with transaction.atomic():
        send = _locked(recipient.send)
        recipient = EmailRecipient.objects.select_for_update().get(pk=recipient.pk)
        if recipient.state != RecipientState.UNCERTAIN:
            raise InvalidInput.field(
                "state", f"this recipient is {recipient.get_state_display().lower()}, not uncertain"
            )
        if outcome == Settle.AGAIN and send.status == SendStatus.CANCELLED:
            raise InvalidInput.field("outcome", "the send was cancelled; nothing more goes out")
        before = audit.snapshot(recipient)
        name = actor.get_username()
        if outcome == Settle.SENT:
            recipient.state = RecipientState.SENT
            recipient.sent_at = recipient.attempted_at or timezone.now()
            recipient.reason = f"marked as sent by {name} (it may have gone)"[:200]
            engine.sent_touches_record(
                send, [(recipient.contact_id, recipient.contact.account_id)], recipient.sent_at
            )
        else:
            recipient.state = RecipientState.PENDING
            recipient.attempted_at = None
            recipient.reason = f"sent again on {name}'s word (it may have gone before)"[:200]
        recipient.save(update_fields=["state", "sent_at", "attempted_at", "reason"])
        audit.record_updated(actor=actor, obj=recipient, before=before, via=via)
        if outcome == Settle.AGAIN and send.status == SendStatus.FINISHED:
            _change(actor, send, via, status=SendStatus.SENDING, finished_at=None, last_error="")
        if outcome == Settle.AGAIN and send.status == SendStatus.SENDING:
            _enqueue_batch(send.pk)
    return recipient


# --- suppressions ----------------------------------------------------------------------------


def suppression_add(
    *,
    email: Any,
    reason: str,
    detail: str = "",
    actor: Any = None,
    at: dt.datetime | None = None,
    via: str = "ui",
) -> Suppression:
    """Never mail this address again. A person adding one by hand must be allowed to; an
    address already suppressed keeps its first reason."""
    if actor is not None:
        policies.require(actor, "create", "suppression")
    if reason not in SuppressionReason.values:
        raise InvalidInput.field("reason", f"use one of {', '.join(SuppressionReason.values)}")
    address = people.email_normalise(email)
    # An erased person's address is kept by its hash alone: that row already stops it.
    existing = Suppression.objects.filter(
        Q(email=address) | Q(email_hash=gate.address_hash(address))
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            suppression = Suppression.objects.create(
                email=address,
                email_hash=gate.address_hash(address),
                reason=reason,
                detail=detail[:500],
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_at=at or timezone.now(),
            )
    except IntegrityError:
        # A bounce and an unsubscribe for one address arrived together; the first one stays.
        return Suppression.objects.get(Q(email=address) | Q(email_hash=gate.address_hash(address)))
    audit.record_created(actor=actor, obj=suppression, via=via)
    return suppression


def suppression_update(
    *, actor: Any, suppression: Suppression, detail: str, via: str = "ui"
) -> Suppression:
    """Correct the note on why an address is suppressed."""
    policies.require(actor, "change", "suppression", suppression)
    before = audit.snapshot(suppression)
    suppression.detail = detail.strip()[:500]
    suppression.save(update_fields=["detail"])
    audit.record_updated(actor=actor, obj=suppression, before=before, via=via)
    return suppression


def suppression_remove(*, actor: Any, suppression: Suppression, via: str = "ui") -> None:
    policies.require(actor, "delete", "suppression", suppression)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=suppression, via=via)
        suppression.delete()


# --- what recipients do ----------------------------------------------------------------------


def _email_touch(recipient: EmailRecipient, kind: str, summary: str, at: dt.datetime) -> None:
    send = recipient.send
    campaign = send.campaign
    handoff.touch_log(
        contact=recipient.contact,
        kind=kind,
        channel=Channel.EMAIL,
        campaign=campaign,
        occurred_at=at,
        utm={
            "source": "tandem",
            "medium": "email",
            "campaign": campaign.utm_campaign if campaign else "",
        },
        summary=summary[:2000],
        via="email",
    )


def recipient_open(*, recipient: EmailRecipient, at: dt.datetime | None = None) -> bool:
    """Count an open; the first one is a touch. True when it was the first."""
    when = at or timezone.now()
    with transaction.atomic():
        first = EmailRecipient.objects.filter(pk=recipient.pk, opened_at__isnull=True).update(
            opened_at=when, open_count=F("open_count") + 1
        )
        if not first:
            EmailRecipient.objects.filter(pk=recipient.pk).update(open_count=F("open_count") + 1)
            return False
        _email_touch(recipient, TouchKind.EMAIL_OPEN, f"Opened “{recipient.send.name}”", when)
    return True


class LinkRefused(Exception):
    """A click on a URL that was not in the recipient's message."""


def recipient_click(*, recipient: EmailRecipient, url: str, at: dt.datetime | None = None) -> str:
    """Record a click and return where to send the browser. Only a link that was in the
    message is followed (no open redirect); the first click on each link is a touch, and a
    click without a recorded open counts as an open too (images were blocked)."""
    if url not in messages.message_links(recipient):
        raise LinkRefused(url)
    when = at or timezone.now()
    if recipient.opened_at is None:
        recipient_open(recipient=recipient, at=when)
    with transaction.atomic():
        EmailRecipient.objects.filter(pk=recipient.pk).update(
            click_count=F("click_count") + 1, clicked_at=when
        )
        click, created = EmailClick.objects.get_or_create(
            recipient=recipient, url=url, defaults={"first_clicked_at": when}
        )
        if not created:
            EmailClick.objects.filter(pk=click.pk).update(count=F("count") + 1)
            return url
        _email_touch(
            recipient,
            TouchKind.EMAIL_CLICK,
            f"Clicked {url[:300]} in “{recipient.send.name}”",
            when,
        )
    return url


class EventKind:
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    ALL = ("bounce", "complaint", "unsubscribe")


SUPPRESSION_REASON = {
    EventKind.BOUNCE: SuppressionReason.BOUNCED,
    EventKind.COMPLAINT: SuppressionReason.COMPLAINED,
    EventKind.UNSUBSCRIBE: SuppressionReason.UNSUBSCRIBED,
}
CONSENT_SOURCE = {
    EventKind.COMPLAINT: "spam complaint",
    EventKind.UNSUBSCRIBE: "unsubscribed at the mail provider",
}


def email_event_record(
    *,
    kind: str,
    email: Any,
    detail: str = "",
    message_id: str = "",
    actor: Any = None,
    at: dt.datetime | None = None,
    via: str = "webhook",
) -> Suppression:
    """A bounce, a spam complaint or an unsubscribe reported by the provider: the address is
    suppressed; a complaint or an unsubscribe also withdraws the contact's email consent."""
    if kind not in EventKind.ALL:
        raise InvalidInput.field("type", f"use one of {', '.join(EventKind.ALL)}")
    address = people.email_normalise(email)
    reason = SUPPRESSION_REASON[kind]
    when = at or timezone.now()
    with transaction.atomic():
        suppression = suppression_add(
            email=address, reason=reason, detail=detail[:500], actor=actor, at=when, via=via
        )
        if kind in CONSENT_SOURCE:
            # An address merged away (people's EmailAlias) withdraws the kept contact's consent.
            contact = contact_find(email=address)
            if contact is not None:
                people.consent_record(
                    contact=contact,
                    channel=ConsentChannel.EMAIL,
                    is_granted=False,
                    source=f"{CONSENT_SOURCE[kind]} ({via})"[:200],
                    at=when,
                )
        if message_id:
            EmailRecipient.objects.filter(message_id=message_id.strip("<> ")).exclude(
                reason__startswith=kind
            ).update(reason=f"{kind}: {detail}"[:200])
    return suppression
