"""The contact's business events (``core.business_events``) and the payload each carries.

Payloads are built from the record in hand, without a query (ids of related records, never
their rows), so announcing costs microseconds on the hot path of a touch. Their documented
shape is ``webhooks.payloads``; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tandem.audit import events as audit
from tandem.core.business_events import business_event_announce
from tandem.people.models import Contact


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """A time or day as ISO 8601 text (``None`` stays ``None``)."""
    return None if value is None else value.isoformat()


def contact_data(contact: Contact) -> dict[str, Any]:
    """The contact as webhooks tell it (payload version 1)."""
    return {
        "id": contact.pk,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "title": contact.title,
        "phone": contact.phone,
        "account_id": contact.account_id,
        "owner_id": contact.owner_id,
        "lifecycle_stage": contact.lifecycle_stage,
        "score": contact.score,
        "external_id": contact.external_id,
        "custom": dict(contact.custom or {}),
        "created_at": iso(contact.created_at),
    }


def contact_event(type: str, contact: Contact, **extra: Any) -> None:
    """Announce ``type`` about ``contact``: ``{"contact": …, **extra}``."""
    business_event_announce(
        type,
        {"contact": contact_data(contact), **extra},
        occurred_at=timezone.now(),
        subjects={"contact": contact.pk},
    )


def contact_changed_event(contact: Contact, before: dict[str, Any]) -> None:
    """Announce ``contact.updated`` naming the payload's fields that differ from ``before``
    (an ``audit.snapshot``); nothing when none did."""
    after = audit.snapshot(contact)
    changed = sorted(k for k in _TOLD if before.get(k) != after.get(k))
    if changed:
        contact_event("contact.updated", contact, changed=changed)


# The contact's columns the payload tells (by attribute name, as audit snapshots key them).
_TOLD = (
    "email", "first_name", "last_name", "title", "phone", "account_id", "owner_id",
    "external_id", "custom",
)  # fmt: skip
