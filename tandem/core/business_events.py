"""What happened, in the words the company's other systems hear it: the public event catalogue.

A business event is one fact another system may want to act on: a contact was created, a deal
was won. The apps low in the house announce them here (``business_event_announce``) inside
their own transaction, without knowing who listens; outbound webhooks (and journeys) register
a listener on ``BUSINESS_EVENT`` from their ``apps.py`` ``ready()``.

- ``EVENT_TYPES`` is the catalogue: each type's name, the version of its payload and what it
  means. A payload changes shape only with a new version (old subscribers keep theirs).
- ``data`` is JSON-ready (ids as integers, times as ISO 8601 strings, money as strings), built by
  the announcing app, which knows its records best; listeners never re-read the record to learn
  what the event said.
- Listeners behave as every ``tandem.core.hooks.Hook``'s do; a listener that sends anything
  out defers itself to commit (a rolled-back change is never announced outside).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tandem.core.hooks import Hook


@dataclass(frozen=True)
class EventType:
    """One kind of business event: its name on the wire, payload version and meaning."""

    name: str
    version: int
    description: str


EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("contact.created", 1, "A contact was created (by hand, form, API or import)."),
        EventType("contact.updated", 1, "A contact's fields changed; `changed` names them."),
        EventType("contact.merged", 1, "Two contacts were merged; `merged_id` no longer exists."),
        EventType("contact.lifecycle_changed", 1, "A contact moved between lifecycle stages."),
        EventType("contact.became_mql", 1, "A contact became a marketing-qualified lead."),
        EventType("contact.unsubscribed", 1, "A contact withdrew consent to email."),
        EventType("lead.handed_off", 1, "A lead was handed to sales (assigned to a rep)."),
        EventType("lead.accepted", 1, "A rep accepted a lead."),
        EventType("lead.rejected", 1, "A rep rejected a lead, with a reason."),
        EventType("deal.created", 1, "A deal was created."),
        EventType("deal.stage_changed", 1, "A deal moved between pipeline stages."),
        EventType("deal.won", 1, "A deal was won."),
        EventType("deal.lost", 1, "A deal was lost, with a reason."),
        EventType("order.placed", 1, "An order was placed."),
        EventType("form.submitted", 1, "A form was submitted."),
    )
}


@dataclass(frozen=True)
class BusinessEvent:
    """One event of a catalogued ``type`` with its JSON-ready ``data``."""

    type: str
    data: dict[str, Any]
    occurred_at: dt.datetime
    # The records it is about, for listeners that filter (``{"contact": 12}``).
    subjects: dict[str, int] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return EVENT_TYPES[self.type].version


BUSINESS_EVENT: Hook[BusinessEvent] = Hook("business event")


def business_event_announce(
    type: str,
    data: dict[str, Any],
    *,
    occurred_at: dt.datetime,
    subjects: dict[str, int] | None = None,
) -> None:
    """Announce one event of a catalogued type; an unknown type is a programming error.

    Costs nothing when nobody listens (a demo load or a test without webhooks)."""
    if type not in EVENT_TYPES:
        raise KeyError(f"unknown business event type {type!r}")
    if not BUSINESS_EVENT.listeners:
        return
    BUSINESS_EVENT.announce(BusinessEvent(type, data, occurred_at, dict(subjects or {})))
