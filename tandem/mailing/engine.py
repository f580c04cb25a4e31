"""Sending a campaign email, exactly once per recipient as far as the mail server allows.

The mail server is whatever Django's email backend is (``get_connection``): SMTP, or a
provider's API through django-anymail; "SMTP" below stands for either.

How a send goes out:

1. **Recipients are materialised** as rows (one per send × contact, unique) in one
   transaction, from the stored segment membership, when the first batch runs.
2. **One worker at a time** holds the send through a lease (``lease_token`` and
   ``lease_expires_at``, taken with a conditional UPDATE). A worker that dies stops renewing it;
   when it runs out, the next batch (a resume) may take over.
3. **A batch** takes the next ``batch_size`` pending rows in id order and opens one SMTP
   connection. For each row, right before its message: consent and the suppression list are
   read again by the gate every email to a contact passes (``mailing.gate.email_refusal``:
   someone who unsubscribed a second ago is skipped), the row is marked *sending*
   and committed, the message goes to SMTP, and the row is marked *sent* with its Message-ID
   (a provider's own message id when sent through anymail: its webhooks name that one).
   Messages are paced to ``rate_per_second``; a pause is noticed between messages.

**The at-most-once boundary.** The only moment that cannot be made exact is between the SMTP
server accepting a message and the row being marked *sent*: a worker dying right there leaves the
row *sending*. The next worker to take the lease finds it, marks it *uncertain* (never resends it
blindly) and the send page shows how many there are. Every other row is either untouched
(*pending*, sent by the resume) or finished; so a crash leaves neither duplicates nor gaps beyond
those uncertain rows, at most one per crashed worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import smtplib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.mailing import gate
from tandem.mailing.messages import Prepared
from tandem.mailing.models import EmailRecipient, EmailSend, RecipientState, SendStatus
from tandem.people.email_gate import Purpose
from tandem.people.models import Channel, Contact, Touch, TouchKind
from tandem.segments.selectors import audience_contacts

# Refusals that say for certain the server did not take the message for this recipient.
REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    AnymailRecipientsRefused,
    AnymailInvalidAddress,
)
STATUS_CHECK_EVERY = 10


@dataclass
class BatchResult:
    """What one batch did, and whether recipients are still waiting."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    uncertain: int = 0
    has_more: bool = False
    held: bool = True  # False when another worker holds the send (this batch did nothing)


def recipients_materialise(*, send: EmailSend) -> int:
    """Write one pending row per contact in the audience, in one statement; how many."""
    audience = (
        audience_contacts(segments=send.segments.all(), exclusions=send.exclusions.all())
        .exclude(email="")
        .order_by()
        .values_list("id", "email")
    )
    select_sql, params = audience.query.sql_with_params()
    table = EmailRecipient._meta.db_table
    with transaction.atomic():
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608 — table name from the model, values bound
                "(send_id, contact_id, email, state, reason, message_id, open_count, click_count) "
                f"SELECT %s, a.id, a.email, 'pending', '', '', 0, 0 FROM ({select_sql}) a",
                [send.pk, *params],
            )
            count = cursor.rowcount
        EmailSend.objects.filter(pk=send.pk).update(recipients_ready_at=timezone.now())
    return count


def _lease_seconds(send: EmailSend) -> float:
    return max(60.0, 2 * send.batch_size / max(send.rate_per_second, 0.1))


def lease_take(*, send: EmailSend, token: str) -> bool:
    now = timezone.now()
    taken = (
        EmailSend.objects.filter(pk=send.pk)
        .filter(Q(lease_token="") | Q(lease_expires_at__lt=now) | Q(lease_token=token))
        .update(
            lease_token=token,
            lease_expires_at=now + dt.timedelta(seconds=_lease_seconds(send)),
        )
    )
    return bool(taken)


def lease_release(*, send: EmailSend, token: str) -> None:
    EmailSend.objects.filter(pk=send.pk, lease_token=token).update(
        lease_token="", lease_expires_at=None
    )


def interrupted_mark_uncertain(*, send: EmailSend) -> int:
    """Rows left *sending* by a worker that died: the message may have gone. Called only by
    the lease holder, so no live worker is between SMTP and *sent* on these rows."""
    return EmailRecipient.objects.filter(send=send, state=RecipientState.SENDING).update(
        state=RecipientState.UNCERTAIN,
        reason="the worker stopped after handing the message to SMTP; it may have been sent",
    )


def skip_reason(*, recipient: EmailRecipient, send: EmailSend) -> str:
    """Why this recipient must not get the message now, read fresh from the database by the
    gate every email to a contact passes (one statement: the hot path of a send)."""
    return gate.email_refusal(
        contact_id=recipient.contact_id,
        email=recipient.email,
        purpose=Purpose.MARKETING,
        topic_id=send.topic_id,
    )


def _mark(recipient_id: int, from_state: str, **fields: Any) -> bool:
    """Move one row from ``from_state``, in one UPDATE (plain SQL: this runs twice a message)."""
    ops = db_connection.ops
    columns, values = [], []
    for name, value in fields.items():
        columns.append(f"{name} = %s")
        values.append(ops.adapt_datetimefield_value(value) if name.endswith("_at") else value)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {EmailRecipient._meta.db_table} SET {', '.join(columns)} "  # noqa: S608
            "WHERE id = %s AND state = %s",
            [*values, recipient_id, from_state],
        )
        return cursor.rowcount == 1


def mark_sent(recipient_id: int, message_id: str) -> bool:
    """The server accepted the message. Kept apart so tests can stop a worker right here."""
    return _mark(
        recipient_id,
        RecipientState.SENDING,
        state=RecipientState.SENT,
        sent_at=timezone.now(),
        message_id=message_id,
    )


def _status(send_id: int) -> str | None:
    return EmailSend.objects.filter(pk=send_id).values_list("status", flat=True).first()


def _finish_if_done(send: EmailSend) -> bool:
    if EmailRecipient.objects.filter(send=send, state=RecipientState.PENDING).exists():
        return False
    EmailSend.objects.filter(pk=send.pk, status=SendStatus.SENDING).update(
        status=SendStatus.FINISHED, finished_at=timezone.now()
    )
    return True


def _pause_with(send: EmailSend, error: str) -> None:
    EmailSend.objects.filter(pk=send.pk, status=SendStatus.SENDING).update(
        status=SendStatus.PAUSED, last_error=error[:500]
    )


def sent_touches_record(
    send: EmailSend, sent: list[tuple[int, int | None]], at: dt.datetime
) -> None:
    """One *email sent* touch per delivered message, credited to the send's campaign.

    Written in bulk, without the per-touch audit entry and attribution update that
    ``touch_record`` does: a send writes up to millions, a delivery is not an engagement, and
    the send itself is audited.
    """
    campaign = send.campaign
    Touch.objects.bulk_create(
        [
            Touch(
                contact_id=contact_id,
                account_id=account_id,
                kind=TouchKind.EMAIL_SENT,
                channel=Channel.EMAIL,
                occurred_at=at,
                campaign=campaign,
                utm_source="tandem",
                utm_medium="email",
                utm_campaign=campaign.utm_campaign if campaign else "",
                summary=f"Sent “{send.name}”"[:2000],
            )
            for contact_id, account_id in sent
        ],
        batch_size=500,
    )
    # Keep first- and last-touch attribution as ``touch_record`` would, in two statements.
    ids = [contact_id for contact_id, _ in sent]
    values = {"source": "tandem", "medium": Channel.EMAIL.value, "campaign": campaign}
    Contact.objects.filter(pk__in=ids, first_touch_at__isnull=True).update(
        **{f"first_touch_{k}": v for k, v in values.items()}, first_touch_at=at
    )
    Contact.objects.filter(pk__in=ids).filter(
        Q(last_touch_at__isnull=True) | Q(last_touch_at__lte=at)
    ).update(**{f"last_touch_{k}": v for k, v in values.items()}, last_touch_at=at)


def send_batch_run(
    *,
    send_id: int,
    connection_factory: Callable[[], Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchResult:
    """Send the next batch of one send, if this worker can hold it. See the module docstring."""
    result = BatchResult()
    send = EmailSend.objects.select_related("campaign").get(pk=send_id)
    if send.status != SendStatus.SENDING:
        return result
    token = secrets.token_hex(8)
    if not lease_take(send=send, token=token):
        result.held = False
        return result
    try:
        if send.recipients_ready_at is None:
            recipients_materialise(send=send)
        result.uncertain = interrupted_mark_uncertain(send=send)
        batch = list(
            EmailRecipient.objects.filter(send=send, state=RecipientState.PENDING)
            .select_related("contact__account")
            .order_by("id")[: send.batch_size]
        )
        if not batch:
            _finish_if_done(send)
            return result
        _run(send, batch, result, token, connection_factory or get_connection, sleep)
        result.has_more = not _finish_if_done(send) and _status(send.pk) == SendStatus.SENDING
        return result
    finally:
        lease_release(send=send, token=token)


def connections_per_batch() -> int:
    return max(1, int(getattr(settings, "TANDEM_MAIL_CONNECTIONS", 1) or 1))


def _run(
    send: EmailSend,
    batch: list[EmailRecipient],
    result: BatchResult,
    token: str,
    connection_factory: Callable[[], Any],
    sleep: Callable[[float], None],
) -> None:
    """Send a batch over one SMTP connection, or split it between ``TANDEM_MAIL_CONNECTIONS``
    threads with a connection each (the waits on the server's replies overlap). Each row is
    still handled by exactly one thread, so the exactly-once rules are the same."""
    workers = min(connections_per_batch(), len(batch))
    interval = workers / send.rate_per_second
    if workers == 1:
        _run_slice(send, batch, result, token, connection_factory, sleep, interval)
        return
    parts = [BatchResult() for _ in range(workers)]

    def work(index: int) -> None:
        try:
            _run_slice(
                send,
                batch[index::workers],
                parts[index],
                token,
                connection_factory,
                sleep,
                interval,
            )
        finally:
            db_connection.close()  # each thread has its own database connection

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(workers)))
    for part in parts:
        result.sent += part.sent
        result.skipped += part.skipped
        result.failed += part.failed
        result.uncertain += part.uncertain


def _provider_answered(exc: AnymailAPIError) -> str | None:
    """How a provider's API refused: ``"never"`` (the message is wrong for it), ``"later"``
    (rate limit or outage: try again) or None (no answer came, so it may have been taken)."""
    status = getattr(exc, "status_code", None)
    if status is None:
        return None
    return "later" if status == 429 or status >= 500 else "never"


def _provider_message_id(message: Any) -> str:
    """The provider's id of a message sent through django-anymail: its webhooks name the
    message by it, so it is what the recipient row keeps. Empty for SMTP."""
    status = getattr(message, "anymail_status", None)
    value = getattr(status, "message_id", None)
    return "" if value is None or isinstance(value, set) else str(value)[:200]


def _connection_open(send: EmailSend, connection_factory: Callable[[], Any]) -> Any | None:
    """The mail connection, open; None when it cannot be had (the send is paused, saying why)."""
    try:
        connection = connection_factory()
    except ImproperlyConfigured as exc:  # e.g. a provider's API key is missing
        _pause_with(send, f"the email backend is not configured: {exc}")
        return None
    try:
        connection.open()
    except (OSError, smtplib.SMTPException, AnymailAPIError) as exc:
        _pause_with(send, f"could not reach the mail server: {exc}")
        return None
    return connection


def _failed(recipient_id: int, reason: str, result: BatchResult) -> str:
    """The server or provider refused this message for certain: the row failed, go on."""
    _mark(recipient_id, RecipientState.SENDING, state=RecipientState.FAILED, reason=reason[:200])
    result.failed += 1
    return "next"


def _uncertain(
    send: EmailSend, recipient_id: int, reason: str, pause: str, result: BatchResult
) -> str:
    """No answer: the message may or may not have gone, so the row is *uncertain* (never sent
    again blindly) and the send pauses."""
    _mark(recipient_id, RecipientState.SENDING, state=RecipientState.UNCERTAIN, reason=reason[:200])
    result.uncertain += 1
    _pause_with(send, pause)
    return "stop"


def _deliver(send: EmailSend, recipient_id: int, message: Any, result: BatchResult) -> str:
    """Hand one message (its row already *sending*) to the server or provider: ``"sent"``;
    ``"next"`` when it was refused (the row failed, the batch goes on); ``"stop"`` when the
    batch must stop (no answer: the row is *uncertain*; refused for now: pending again)."""
    try:
        message.send()
    except REFUSED as exc:
        return _failed(recipient_id, f"refused by the mail server: {exc}", result)
    except AnymailAPIError as exc:
        answer = _provider_answered(exc)
        if answer is None:
            # No answer (timeout, connection lost): like a broken SMTP connection.
            return _uncertain(
                send,
                recipient_id,
                f"no answer from the mail provider: {exc}",
                f"the mail provider did not answer: {exc}",
                result,
            )
        if answer == "later":
            # The provider declined for now (rate limit, outage): nothing went, so
            # the row waits for the resume.
            _mark(recipient_id, RecipientState.SENDING, state=RecipientState.PENDING)
            _pause_with(send, f"the mail provider refused for now: {exc}")
            return "stop"
        return _failed(recipient_id, f"refused by the mail provider: {exc}", result)
    except (OSError, smtplib.SMTPException) as exc:
        # The connection broke mid-message: the server may have taken it or not.
        return _uncertain(
            send,
            recipient_id,
            f"connection lost while sending: {exc}",
            f"the mail server connection broke: {exc}",
            result,
        )
    return "sent"


def _run_slice(
    send: EmailSend,
    batch: list[EmailRecipient],
    result: BatchResult,
    token: str,
    connection_factory: Callable[[], Any],
    sleep: Callable[[float], None],
    interval: float,
) -> None:
    prepared = Prepared(send)
    connection = _connection_open(send, connection_factory)
    if connection is None:
        return
    next_at = time.monotonic()
    lease_renew_at = time.monotonic() + _lease_seconds(send) / 2
    sent: list[tuple[int, int | None]] = []
    try:
        for position, recipient in enumerate(batch):
            is_check_due = position and position % STATUS_CHECK_EVERY == 0
            if is_check_due and _status(send.pk) != SendStatus.SENDING:
                break
            if time.monotonic() > lease_renew_at:
                lease_take(send=send, token=token)
                lease_renew_at = time.monotonic() + _lease_seconds(send) / 2
            reason = skip_reason(recipient=recipient, send=send)
            if reason:
                if _mark(
                    recipient.pk,
                    RecipientState.PENDING,
                    state=RecipientState.SKIPPED,
                    reason=reason,
                ):
                    result.skipped += 1
                continue
            wait = next_at - time.monotonic()
            if wait > 0:
                sleep(wait)
            next_at = max(next_at + interval, time.monotonic() - interval)
            message, message_id = prepared.message(recipient, recipient.contact, connection)
            if not _mark(
                recipient.pk,
                RecipientState.PENDING,
                state=RecipientState.SENDING,
                attempted_at=timezone.now(),
            ):
                continue  # someone cancelled it under us
            outcome = _deliver(send, recipient.pk, message, result)
            if outcome == "stop":
                break
            if outcome == "next":
                continue
            mark_sent(recipient.pk, _provider_message_id(message) or message_id)
            sent.append((recipient.contact_id, recipient.contact.account_id))
            result.sent += 1
    finally:
        if sent:
            sent_touches_record(send, sent, timezone.now())
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
