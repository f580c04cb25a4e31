"""API routes for a contact's consent: its history (the log) and a statement recorded by a
user (its own router, added beside people's)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from tandem.api.schemas import ERRORS
from tandem.people import consent, selectors
from tandem.people.schemas import ConsentIn

router = Router()


class ConsentEntryOut(Schema):
    id: int
    recorded_at: dt.datetime
    channel: str
    topic_id: int | None
    topic_name: str
    action: str
    is_granted: bool
    source: str
    wording: str
    actor_id: int | None
    actor: str


def _entry_out(entry) -> dict:
    return {
        **{f: getattr(entry, f) for f in ConsentEntryOut.model_fields if f != "actor"},
        "actor": entry.actor.username if entry.actor else "",
    }


@router.get(
    "/contacts/{contact_id}/consent-log",
    response={200: list[ConsentEntryOut], **ERRORS},
    tags=["consent"],
)
def consent_log_list(request, contact_id: int):
    """Every statement of consent the contact made, newest first: grants, withdrawals, grants
    again, per channel and email topic, with the wording, the source (``form:slug``, ``api``,
    ``import``, ``unsubscribe link``, ``manual`` …), the time and who recorded it."""
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    return [_entry_out(e) for e in consent.consent_log_of(contact=contact)]


@router.post(
    "/contacts/{contact_id}/consent",
    response={201: ConsentEntryOut, **ERRORS},
    tags=["consent"],
)
def consent_create(request, contact_id: int, payload: ConsentIn):
    """Record a statement of consent on a channel (source ``api``, the token's user as actor):
    appended to the log, and the current state follows it."""
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    entry = consent.consent_statement_record(
        actor=request.auth, contact=contact, via="api", **payload.model_dump()
    )
    return Status(201, _entry_out(entry))
