"""Leads: the hand-off of an MQL to a rep, and sales' answer (accept, reject), reassignment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import nurture, routing, scoring
from tandem.handoff.business_events import lead_event
from tandem.handoff.models import RECYCLING_REASONS, Lead, RejectionReason
from tandem.handoff.notices import lead_assigned_notify
from tandem.handoff.service_levels import service_level, working_deadline
from tandem.ops import rows
from tandem.people import services as people
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact
from tandem.sales import services as sales


def lead_hand_off(
    *,
    contact: Contact,
    actor: Any = None,
    via: str = "scoring",
    threshold: int | None = None,
    unsaved: Sequence[str] = (),
) -> Lead:
    """Make the contact an MQL and assign it to a rep, who is told by email.

    The score hands off with ``actor=None`` (``threshold``: the one it reached, when the
    caller has read it already); a person handing off by hand must be allowed to create leads.
    ``unsaved``: contact fields the caller changed and leaves to this write (the new score).
    """
    if actor is not None:
        policies.require(actor, "create", "lead")
        reason = "handed off by hand"
    else:
        reached = threshold if threshold is not None else scoring.mql_threshold()
        reason = f"score {contact.score} reached {reached}"
    # No savepoint of its own: no caller carries on after a failed hand-off, so the
    # caller's transaction (a touch's, or one per contact in bulk) is the unit.
    with transaction.atomic(savepoint=False), audit.batched():
        was_recycled = contact.lifecycle_stage == Stage.RECYCLED
        was_nurtured = contact.nurture_until is not None
        # Stage, score, owner and nurture date are written to the contact once, at the end.
        pending = list(unsaved)
        if contact.lifecycle_stage != Stage.LEAD:
            people.lifecycle_move(
                contact=contact,
                to_stage=Stage.LEAD,
                actor=actor,
                via=via,
                reason="qualified by score" if actor is None else reason,
                unsaved=pending,
            )
        people.lifecycle_move(
            contact=contact,
            to_stage=Stage.MQL,
            actor=actor,
            via=via,
            reason=reason,
            unsaved=pending,
        )
        route = routing.rep_route(contact=contact)
        if route.rep_id is not None and contact.owner_id != route.rep_id:
            contact.owner_id = route.rep_id
            pending.append("owner")
        if was_nurtured:
            contact.nurture_until = None
            pending.append("nurture_until")
        rows.row_update(contact, [*pending, "updated_at"])
        now = timezone.now()
        level = service_level()
        lead = rows.row_insert(
            Lead(
                contact=contact,
                campaign_id=contact.last_touch_campaign_id or contact.first_touch_campaign_id,
                score_at_handoff=contact.score,
                grade_at_handoff=contact.grade,
                assigned_to_id=route.rep_id,
                handed_off_at=now,
                first_touch_due_at=working_deadline(now, level.first_touch_hours, level),
                routed_by=route.rule,
            )
        )
        if was_recycled or was_nurtured:
            # Only recycled contacts are put in the nurture segment.
            nurture.nurture_member_remove(contact=contact)
        audit.record_created(actor=actor, obj=lead, via=via)
        lead_event("lead.handed_off", lead)
        if route.rep_id is not None:
            transaction.on_commit(lambda: lead_assigned_notify.enqueue(lead.pk))
    return lead


def _lock_waiting(lead: Lead) -> Lead:
    fresh = Lead.objects.select_for_update().select_related("contact").get(pk=lead.pk)
    if fresh.status != Lead.Status.WAITING:
        raise InvalidInput.field("status", f"this lead was already {fresh.status}")
    return fresh


def lead_accept(*, actor: Any, lead: Lead, deal_name: str = "", via: str = "ui") -> Any:
    """Sales accepts the lead: the contact becomes sales-accepted and a deal opens."""

    policies.require(actor, "change", "lead", lead)
    with transaction.atomic():
        lead = _lock_waiting(lead)
        before = audit.snapshot(lead)
        lead.status, lead.decided_at, lead.decided_by = Lead.Status.ACCEPTED, timezone.now(), actor
        lead.save()
        audit.record_updated(actor=actor, obj=lead, before=before, via=via)
        contact = lead.contact
        people.lifecycle_move(
            contact=contact, to_stage=Stage.SAL, actor=actor, via=via, reason="accepted by sales"
        )
        account_name = contact.account.name if contact.account else str(contact)
        deal = sales.deal_open(
            actor=actor,
            contact=contact,
            owner=lead.assigned_to or actor,
            name=deal_name or f"{account_name} — new business",
            lead=lead,
            source_campaign=lead.campaign,
            via=via,
        )
        lead_event("lead.accepted", lead, deal_id=deal.pk)
    return deal


NURTURE_DAYS = 90


def nurture_date_parse(value: Any) -> dt.date | None:
    """A nurture date given by a person (a date, ISO text, or nothing) checked to lie ahead."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput.field("nurture_until", "use a date like 2026-03-31") from None
    if day <= timezone.localdate():
        raise InvalidInput.field("nurture_until", "must be a date in the future")
    return day


def lead_reject(
    *,
    actor: Any,
    lead: Lead,
    reason: str,
    note: str = "",
    nurture_until: Any = None,
    via: str = "ui",
) -> Lead:
    """Sales turns the lead back with a reason marketing will see; the contact is recycled
    into the nurture segment until a nurture date (90 days unless given) or disqualified."""
    policies.require(actor, "change", "lead", lead)
    if reason not in RejectionReason.values:
        raise InvalidInput.field("reason", f"choose a reason: {', '.join(RejectionReason.values)}")
    nurture_day = nurture_date_parse(nurture_until)
    if nurture_day is not None and reason not in RECYCLING_REASONS:
        label = RejectionReason(reason).label
        raise InvalidInput.field(
            "nurture_until", f"only a recycled lead is nurtured; “{label}” disqualifies"
        )
    with transaction.atomic():
        lead = _lock_waiting(lead)
        before = audit.snapshot(lead)
        lead.status, lead.decided_at, lead.decided_by = Lead.Status.REJECTED, timezone.now(), actor
        lead.rejection_reason, lead.rejection_note = reason, note.strip()[:500]
        lead.save()
        audit.record_updated(actor=actor, obj=lead, before=before, via=via)
        label = RejectionReason(reason).label
        to_stage = Stage.RECYCLED if reason in RECYCLING_REASONS else Stage.DISQUALIFIED
        people.lifecycle_move(
            contact=lead.contact,
            to_stage=to_stage,
            actor=actor,
            via=via,
            reason=f"rejected by sales: {label}" + (f" — {lead.rejection_note}" if note else ""),
        )
        if to_stage == Stage.RECYCLED:
            # Back to marketing: the rep no longer owns the contact.
            day = nurture_day or timezone.localdate() + dt.timedelta(days=NURTURE_DAYS)
            Contact.objects.filter(pk=lead.contact_id).update(owner=None, nurture_until=day)
            lead.contact.owner, lead.contact.nurture_until = None, day
            nurture.nurture_member_add(contact=lead.contact)
        else:
            nurture.nurture_member_remove(contact=lead.contact)
        lead_event("lead.rejected", lead, reason=reason, note=lead.rejection_note)
    return lead


def lead_reassign(*, lead: Lead, why: str, via: str = "sla") -> Lead | None:
    """Give a waiting lead to another rep (the first-touch promise is about to break).

    Returns the lead, or None when no other rep can take it. The new rep gets a fresh
    first-touch clock; both reps are told.
    """
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("contact__account")
            .get(pk=lead.pk)
        )
        if lead.status != Lead.Status.WAITING or lead.first_touched_at is not None:
            return None
        previous = lead.assigned_to
        route = routing.rep_route(contact=lead.contact, exclude=[previous.pk] if previous else [])
        if route.rep_id is None:
            return None
        before = audit.snapshot(lead)
        level = service_level()
        lead.assigned_to_id = route.rep_id
        lead.routed_by = f"reassigned ({why}); {route.rule}"[:100]
        lead.reassigned_count += 1
        lead.first_touch_due_at = working_deadline(timezone.now(), level.first_touch_hours, level)
        lead.warned_at = None
        lead.save()
        Contact.objects.filter(pk=lead.contact_id).update(owner_id=route.rep_id)
        audit.record_updated(actor=None, obj=lead, before=before, via=via)
        transaction.on_commit(lambda: lead_assigned_notify.enqueue(lead.pk))
    return lead


def lead_delete(*, actor: Any, lead: Lead, via: str = "ui") -> None:
    """Delete a hand-off (a test or a duplicate). The contact and any deal it opened stay."""
    policies.require(actor, "delete", "lead", lead)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=lead, via=via)
        lead.delete()
