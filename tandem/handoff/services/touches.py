"""Touches logged one at a time: the relay reacts (rescore, hand off at the threshold)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.access import policies
from tandem.audit import events as audit
from tandem.handoff import hooks
from tandem.handoff.models import Lead
from tandem.handoff.service_levels import FIRST_TOUCH_KINDS
from tandem.handoff.services.scores import contact_rescore
from tandem.ops import settings_cache
from tandem.people import touches
from tandem.people.models import Contact, Touch


def touch_log(
    *, contact: Contact, kind: str, actor: Any = None, via: str = "ui", **touch_fields: Any
) -> Touch:
    """Record a touch and let the relay react: rescore, and hand off when the lead qualifies.

    ``actor=None`` is the system (a public form); any person, signed in or not, is checked.
    """
    if actor is not None:
        policies.require(actor, "create", "touch")
    # Its audit entries (the touch, lifecycle moves, a lead) are written in one statement,
    # and the settings it reads (scoring, stage rules, routing, service levels) are checked
    # for changes once.
    with transaction.atomic(), audit.batched(), settings_cache.pinned():
        # Attribution, stage and score are written to the contact once, by contact_rescore.
        unsaved: list[str] = []
        touch = touches.touch_record(
            contact=contact, kind=kind, actor=actor, via=via, unsaved=unsaved, **touch_fields
        )
        touches.touch_interest_move(
            contact=contact, touch=touch, actor=actor, via=via, unsaved=unsaved
        )
        if getattr(actor, "is_sales", False) and kind in FIRST_TOUCH_KINDS:
            # Sales' promise is kept by the first call, email or meeting after the hand-off.
            Lead.objects.filter(
                contact=contact,
                first_touched_at__isnull=True,
                handed_off_at__lte=touch.occurred_at,
                status__in=[Lead.Status.WAITING, Lead.Status.ACCEPTED],
            ).update(first_touched_at=touch.occurred_at)
        contact_rescore(contact=contact, via=via, unsaved=unsaved)
        hooks.TOUCH_LOGGED.announce(hooks.TouchLogged(touch=touch))
    return touch


def touch_delete(*, actor: Any, touch: Touch, via: str = "ui") -> None:
    """Delete a touch (logged by mistake, on the wrong contact) and rescore its contact."""
    policies.require(actor, "delete", "touch", touch)
    with transaction.atomic():
        contact = touch.contact
        audit.record_deleted(actor=actor, obj=touch, via=via)
        touch.delete()
        contact_rescore(contact=contact, via=via)
