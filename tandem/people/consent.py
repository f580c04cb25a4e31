"""Consent: an append-only log of what each contact said, per channel and email topic, and the
current state derived from it.

Every statement — a grant, a withdrawal, a grant again, a form sent without the box ticked — is
one ``ConsentEntry`` with its wording, source (``form:slug``, ``api``, ``import``,
``unsubscribe link``, ``manual`` …), time and actor. The current state stays where the readers
that must be fast look: ``Consent`` (one row per contact and channel: segment conditions and the
mailing gate read it) and, for email topics, mailing's ``TopicOptOut``. Both are written in the
same transaction as the entry, so the latest entry and the current state never disagree:

- ``consent_record`` — one statement on a channel (forms, the API, the contact page, unsubscribe
  and re-subscribe, complaints); writes the entry and the ``Consent`` row.
- ``topic_consent_record`` — one statement on an email topic; writes the entry only (mailing,
  which owns topics, writes its ``TopicOptOut`` in the same transaction).
- ``consents_record_bulk`` — many contacts at once on one channel (the import): the ``Consent``
  rows replaced and the entries appended in a few statements.

Entries are never updated or deleted by a service; erase (``tandem.privacy``) removes a
person's, and a merge moves them to the kept contact (``people.relink`` walks the key).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.people.business_events import contact_event
from tandem.people.hooks import INPUT_CONSENT, contacts_changed_announce
from tandem.people.models import (
    Consent,
    ConsentAction,
    ConsentChannel,
    ConsentEntry,
    Contact,
)

BULK_BATCH = 1000


def consent_action(previous: bool | None, is_granted: bool) -> str:
    """What a statement is, given the state before it: a grant, a grant after a withdrawal, a
    withdrawal, or consent not given when none was asked before."""
    if is_granted:
        return ConsentAction.REGRANTED if previous is False else ConsentAction.GRANTED
    return ConsentAction.DECLINED if previous is None else ConsentAction.WITHDRAWN


def _actor_of(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def consent_record(
    *,
    contact: Contact,
    channel: str,
    is_granted: bool,
    source: str,
    wording: str = "",
    at: dt.datetime | None = None,
    actor: Any = None,
) -> Consent:
    """Record what the contact said about a channel: one entry in the log, and the current
    state replaced (a later 'no' replaces an earlier 'yes'). ``actor`` is the user who recorded
    it (the contact page, the API), None when the contact did (a form, a link)."""
    consent, _ = _consent_write(
        contact=contact,
        channel=channel,
        is_granted=is_granted,
        source=source,
        wording=wording,
        at=at,
        actor=actor,
    )
    return consent


def _consent_write(
    *,
    contact: Contact,
    channel: str,
    is_granted: bool,
    source: str,
    wording: str,
    at: dt.datetime | None,
    actor: Any,
) -> tuple[Consent, ConsentEntry]:
    if channel not in ConsentChannel.values:
        raise InvalidInput.field("channel", f"use one of {', '.join(ConsentChannel.values)}")
    when = at or timezone.now()
    source = str(source)[:200]
    with transaction.atomic():
        previous = (
            Consent.objects.select_for_update()
            .filter(contact=contact, channel=channel)
            .values_list("is_granted", flat=True)
            .first()
        )
        entry = ConsentEntry.objects.create(
            contact=contact,
            channel=channel,
            action=consent_action(previous, is_granted),
            is_granted=is_granted,
            source=source,
            wording=wording,
            recorded_at=when,
            actor=_actor_of(actor),
        )
        consent, _ = Consent.objects.update_or_create(
            contact=contact,
            channel=channel,
            defaults={
                "is_granted": is_granted,
                "source": source,
                "wording": wording,
                "recorded_at": when,
            },
        )
    contacts_changed_announce([contact.pk], inputs={INPUT_CONSENT})
    if channel == ConsentChannel.EMAIL and previous and not is_granted:
        contact_event("contact.unsubscribed", contact, channel=channel, source=source)
    return consent, entry


def consent_statement_record(
    *,
    actor: Any,
    contact: Contact,
    channel: str,
    is_granted: bool,
    wording: str = "",
    via: str = "ui",
) -> ConsentEntry:
    """A user records what the contact said (on the phone, at an event, by letter) from the
    contact page (source ``manual``) or the API (source ``api``); audited, with them as actor."""
    policies.require(actor, "change", "contact", contact)
    wording = wording.strip()
    if len(wording) > 2000:
        raise InvalidInput.field("wording", "must be at most 2000 characters")
    with transaction.atomic():
        _, entry = _consent_write(
            contact=contact,
            channel=channel,
            is_granted=is_granted,
            source="api" if via == "api" else "manual",
            wording=wording,
            at=None,
            actor=actor,
        )
        audit.record_created(actor=actor, obj=entry, via=via)
    return entry


def consent_log_of(*, contact: Contact) -> QuerySet[ConsentEntry]:
    """The contact's consent history, newest first, with who recorded each statement. The
    caller has the contact through its ``*_get_for_user`` selector."""
    return (
        ConsentEntry.objects.filter(contact=contact)
        .select_related("actor")
        .order_by("-recorded_at", "-id")
    )


def topic_consent_record(
    *,
    contact: Contact,
    topic_id: int,
    topic_name: str,
    is_granted: bool,
    was_granted: bool,
    source: str,
    at: dt.datetime | None = None,
    actor: Any = None,
) -> ConsentEntry:
    """Log a statement on one email topic. The caller (mailing, which owns topics and their
    current state, ``TopicOptOut``) writes that state in the same transaction; ``was_granted``
    is the state before (a topic is wanted until opted out of)."""
    return ConsentEntry.objects.create(
        contact=contact,
        channel=ConsentChannel.EMAIL,
        topic_id=topic_id,
        topic_name=topic_name[:100],
        action=consent_action(was_granted, is_granted),
        is_granted=is_granted,
        source=str(source)[:200],
        recorded_at=at or timezone.now(),
        actor=_actor_of(actor),
    )


def consents_record_bulk(
    *,
    granted_by_contact: Sequence[tuple[int, bool]],
    previous: Mapping[int, bool | None] | None,
    at: dt.datetime,
    channel: str = ConsentChannel.EMAIL,
    source: str = "import",
    wording: str = "",
    actor_id: int | None = None,
) -> None:
    """Record one statement each for many contacts on one channel (the import): the current
    ``Consent`` rows replaced and one log entry per contact, in a few statements. ``previous``
    is each contact's state before (from the caller's own read), None for contacts just
    created (nothing to replace). Announces nothing: the bulk writer refreshes segments for
    the whole chunk itself."""
    if not granted_by_contact:
        return
    ids = [contact_id for contact_id, _ in granted_by_contact]
    if previous is not None:
        Consent.objects.filter(contact_id__in=ids, channel=channel).delete()
    known = previous or {}
    Consent.objects.bulk_create(
        [
            Consent(
                contact_id=contact_id,
                channel=channel,
                is_granted=granted,
                source=source,
                wording=wording,
                recorded_at=at,
            )
            for contact_id, granted in granted_by_contact
        ],
        batch_size=BULK_BATCH,
    )
    consent_entries_append(
        statements=[(cid, granted, known.get(cid)) for cid, granted in granted_by_contact],
        at=at,
        channel=channel,
        source=source,
        wording=wording,
        actor_id=actor_id,
    )


def consent_entries_append(
    *,
    statements: Sequence[tuple[int, bool, bool | None]],
    at: dt.datetime,
    source: str,
    channel: str = ConsentChannel.EMAIL,
    wording: str = "",
    actor_id: int | None = None,
) -> None:
    """Append one entry per ``(contact_id, is_granted, state before)``, in a few statements.
    For a bulk writer that writes the current state itself (the import's undo)."""
    ConsentEntry.objects.bulk_create(
        [
            ConsentEntry(
                contact_id=contact_id,
                channel=channel,
                action=consent_action(previous, granted),
                is_granted=granted,
                source=source,
                wording=wording,
                recorded_at=at,
                actor_id=actor_id,
            )
            for contact_id, granted, previous in statements
        ],
        batch_size=BULK_BATCH,
    )


def consent_entries_from_current() -> int:
    """One entry for each current consent that has none in the log yet, as the state says it
    (a grant, or consent not given), in one statement; how many. For writers that write the
    current state in bulk without the log (the demo)."""
    entry, consent = ConsentEntry._meta.db_table, Consent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entry} (contact_id, channel, topic_name, action, is_granted,"  # noqa: S608
            " source, wording, recorded_at)"
            " SELECT c.contact_id, c.channel, '',"
            " CASE WHEN c.is_granted THEN 'granted' ELSE 'declined' END,"
            " c.is_granted, c.source, c.wording, c.recorded_at"
            f" FROM {consent} c WHERE NOT EXISTS (SELECT 1 FROM {entry} e"
            " WHERE e.contact_id = c.contact_id AND e.channel = c.channel)"
        )
        return cursor.rowcount
