"""The relay at the hand-off: touches arrive, scores rise, MQLs go to a rep, sales answers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.collaboration import services as collaboration
from tandem.errors import InvalidInput
from tandem.handoff import routing, scoring
from tandem.handoff.models import RECYCLING_REASONS, Lead, RejectionReason
from tandem.handoff.tasks import lead_assigned_notify
from tandem.people import services as people
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, Touch, TouchKind
from tandem.segments.freshness import segments_refresh_on_commit

# Stages from which a contact can still become a new MQL.
QUALIFIABLE = frozenset({Stage.SUBSCRIBER, Stage.LEAD, Stage.RECYCLED})
INTEREST_KINDS = frozenset(
    {TouchKind.FORM_SUBMISSION, TouchKind.MEETING, TouchKind.CALL, TouchKind.EVENT}
)


def touch_log(
    *, contact: Contact, kind: str, actor: Any = None, via: str = "ui", **touch_fields: Any
) -> Touch:
    """Record a touch and let the relay react: rescore, and hand off when the lead qualifies.

    ``actor=None`` is the system (a public form); any person, signed in or not, is checked.
    """
    if actor is not None:
        policies.require(actor, "create", "touch")
    with transaction.atomic():
        touch = people.touch_record(
            contact=contact, kind=kind, actor=actor, via=via, **touch_fields
        )
        if kind in INTEREST_KINDS and contact.lifecycle_stage in (Stage.SUBSCRIBER, Stage.RECYCLED):
            people.lifecycle_move(
                contact=contact,
                to_stage=Stage.LEAD,
                actor=actor,
                via=via,
                reason=f"{touch.get_kind_display()}",
                campaign=touch.campaign,
            )
        contact_rescore(contact=contact, via=via)
        collaboration.touch_negative_notify(touch=touch)
    return touch


def touch_delete(*, actor: Any, touch: Touch, via: str = "ui") -> None:
    """Delete a touch (logged by mistake, on the wrong contact) and rescore its contact."""
    policies.require(actor, "delete", "touch", touch)
    with transaction.atomic():
        contact = touch.contact
        audit.record_deleted(actor=actor, obj=touch, via=via)
        touch.delete()
        contact_rescore(contact=contact, via=via)


def contact_rescore(*, contact: Contact, via: str = "scoring") -> int:
    """Recompute the rule score; at the threshold the contact becomes an MQL and is handed off."""
    score = scoring.score_of(contact)
    if score != contact.score:
        contact.score = score
        contact.save(update_fields=["score", "updated_at"])
    # A touch logged or deleted, or the score moved: the contact's segments may change.
    segments_refresh_on_commit([contact.pk])
    if score >= scoring.mql_threshold() and contact.lifecycle_stage in QUALIFIABLE:
        lead_hand_off(contact=contact, via=via)
    return score


def lead_hand_off(*, contact: Contact, actor: Any = None, via: str = "scoring") -> Lead:
    """Make the contact an MQL and assign it to a rep, who is told by email.

    The score hands off with ``actor=None``; a person handing off by hand must be allowed to
    create leads.
    """
    if actor is not None:
        policies.require(actor, "create", "lead")
    reason = (
        f"score {contact.score} reached {scoring.mql_threshold()}"
        if actor is None
        else "handed off by hand"
    )
    with transaction.atomic():
        if contact.lifecycle_stage != Stage.LEAD:
            people.lifecycle_move(
                contact=contact,
                to_stage=Stage.LEAD,
                actor=actor,
                via=via,
                reason="qualified by score" if actor is None else reason,
            )
        people.lifecycle_move(
            contact=contact, to_stage=Stage.MQL, actor=actor, via=via, reason=reason
        )
        rep = routing.rep_choose(contact=contact)
        lead = Lead.objects.create(
            contact=contact,
            campaign=contact.last_touch_campaign or contact.first_touch_campaign,
            score_at_handoff=contact.score,
            assigned_to=rep,
            handed_off_at=timezone.now(),
        )
        if rep is not None and contact.owner_id != rep.pk:
            contact.owner = rep
            contact.save(update_fields=["owner", "updated_at"])
        audit.record_created(actor=actor, obj=lead, via=via)
        if rep is not None:
            transaction.on_commit(lambda: lead_assigned_notify.enqueue(lead.pk))
    return lead


def _lock_waiting(lead: Lead) -> Lead:
    fresh = Lead.objects.select_for_update().select_related("contact").get(pk=lead.pk)
    if fresh.status != Lead.Status.WAITING:
        raise InvalidInput.field("status", f"this lead was already {fresh.status}")
    return fresh


def lead_accept(*, actor: Any, lead: Lead, deal_name: str = "", via: str = "ui") -> Any:
    """Sales accepts the lead: the contact becomes sales-accepted and a deal opens."""
    from tandem.sales import services as sales

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
    return deal


def lead_reject(*, actor: Any, lead: Lead, reason: str, note: str = "", via: str = "ui") -> Lead:
    """Sales turns the lead back with a reason marketing will see; the contact is recycled
    (with a nurture reason) or disqualified."""
    policies.require(actor, "change", "lead", lead)
    if reason not in RejectionReason.values:
        raise InvalidInput.field("reason", f"choose a reason: {', '.join(RejectionReason.values)}")
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
            Contact.objects.filter(pk=lead.contact_id).update(owner=None)
    return lead


def lead_delete(*, actor: Any, lead: Lead, via: str = "ui") -> None:
    """Delete a hand-off (a test or a duplicate). The contact and any deal it opened stay."""
    policies.require(actor, "delete", "lead", lead)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=lead, via=via)
        lead.delete()
