"""The relay at the hand-off: touches arrive, scores rise, MQLs go to a rep, sales answers."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.collaboration import services as collaboration
from tandem.errors import InvalidInput
from tandem.handoff import nurture, rescoring, routing, scoring
from tandem.handoff.models import RECYCLING_REASONS, Lead, RejectionReason
from tandem.handoff.service_levels import FIRST_TOUCH_KINDS, service_level, working_deadline
from tandem.handoff.tasks import lead_assigned_notify
from tandem.ops import rows, settings_cache
from tandem.people import services as people
from tandem.people import touches
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, LifecycleMove, Touch, TouchKind
from tandem.segments.freshness import segments_refresh_on_commit

# Stages from which a contact can still become a new MQL.
QUALIFIABLE = frozenset({Stage.SUBSCRIBER, Stage.LEAD, Stage.RECYCLED})


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


def contact_rescore(*, contact: Contact, via: str = "scoring", unsaved: Sequence[str] = ()) -> int:
    """Recompute the rule score; at the threshold the contact becomes an MQL and is handed off.

    ``unsaved``: fields the caller changed on ``contact`` and leaves to this write."""
    profile = scoring.profile()
    result = scoring.score_contact(contact, prof=profile)
    values = {
        "score": result.total,
        "fit_score": result.fit,
        "engagement_score": result.engagement,
        "grade": result.grade,
    }
    moved = [name for name, value in values.items() if getattr(contact, name) != value]
    for name in moved:
        setattr(contact, name, values[name])
    changed = [*dict.fromkeys([*unsaved, *moved])]
    # A nurture date does not hold back a recycled lead who raises a hand again: they have
    # re-earned their score since the recycling (scoring.engagement_since).
    hand_off = result.total >= profile.threshold and contact.lifecycle_stage in QUALIFIABLE
    if changed and not hand_off:
        rows.row_update(contact, [*changed, "updated_at"])
    # A touch logged or deleted, or the score moved: the contact's segments may change.
    segments_refresh_on_commit([contact.pk])
    if hand_off:
        # The new score is written with the hand-off's lifecycle move.
        lead_hand_off(contact=contact, via=via, threshold=profile.threshold, unsaved=changed)
    return result.total


def contacts_rescore_all(*, hand_off: bool = True) -> dict[str, int]:
    """Recompute every contact's score set-based; hand off those now at the threshold and
    refresh the score-based segments of the contacts whose score changed.

    Returns how many contacts were rescored, changed and handed off.
    """
    return _rescore_bulk(contact_ids=None, hand_off=hand_off, via="rescore")


def contacts_rescore_for_touches(
    *, contact_ids: Sequence[int], hand_off: bool = True, via: str = "api:batch"
) -> dict[str, int]:
    """Rescore a batch of touched contacts with the same set-based code as the full
    recompute; the ones newly at the threshold become MQLs and are routed to a rep. Segment
    membership is refreshed for every one of them (their new touches may match behaviour
    conditions even where the score stayed)."""
    return _rescore_bulk(contact_ids=list(contact_ids), hand_off=hand_off, via=via)


def _rescore_bulk(*, contact_ids: list[int] | None, hand_off: bool, via: str) -> dict[str, int]:
    from tandem.segments.services import segments_refresh_for_contacts

    done = rescoring.rescore(contact_ids=contact_ids)
    handed = 0
    if hand_off and done.ready_ids:
        handed = _hand_off_ready(done.ready_ids, via=via, threshold=done.threshold)
    # Score conditions of segments read the new scores; a hand-off changes stage and owner.
    # Touched contacts are all refreshed: their touches feed behaviour conditions.
    refreshed = done.changed_ids if contact_ids is None else contact_ids
    segments_refresh_for_contacts(refreshed)
    return {"rescored": done.rescored, "changed": len(done.changed_ids), "handed_off": handed}


def _hand_off_ready(ready_ids: list[int], *, via: str, threshold: int) -> int:
    """Hand off each ready contact that has no waiting lead yet, one transaction each (a
    routing failure for one contact must not undo the others' hand-offs)."""
    handed = 0
    for start in range(0, len(ready_ids), 500):
        chunk = ready_ids[start : start + 500]
        ready = (
            Contact.objects.filter(pk__in=chunk, lifecycle_stage__in=QUALIFIABLE)
            .exclude(leads__status=Lead.Status.WAITING)
            .select_related("account", "last_touch_campaign", "first_touch_campaign")
            .order_by("pk")
        )
        for contact in ready:
            lead_hand_off(contact=contact, via=via, threshold=threshold)
            handed += 1
    return handed


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


NURTURE_DAYS = 90


def _nurture_date(value: Any) -> dt.date | None:
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
    nurture_day = _nurture_date(nurture_until)
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
    return lead


def contact_recycle(
    *, actor: Any, contact: Contact, reason: str, nurture_until: Any = None, via: str = "ui"
) -> LifecycleMove:
    """Send a contact back to marketing by hand, with a reason and a nurture date (90 days
    unless given): they join the nurture segment until then."""
    policies.require(actor, "change", "contact", contact)
    day = _nurture_date(nurture_until) or timezone.localdate() + dt.timedelta(days=NURTURE_DAYS)
    with transaction.atomic():
        move = people.lifecycle_move(
            contact=contact, to_stage=Stage.RECYCLED, actor=actor, reason=reason, via=via
        )
        _nurture_set(contact=contact, day=day, actor=actor, via=via)
        nurture.nurture_member_add(contact=contact)
    return move


def contact_disqualify(
    *, actor: Any, contact: Contact, reason: str, via: str = "ui"
) -> LifecycleMove:
    """Take a contact out of the relay by hand, with a reason; their nurture ends."""
    policies.require(actor, "change", "contact", contact)
    with transaction.atomic():
        move = people.lifecycle_move(
            contact=contact, to_stage=Stage.DISQUALIFIED, actor=actor, reason=reason, via=via
        )
        _nurture_set(contact=contact, day=None, actor=actor, via=via)
        nurture.nurture_member_remove(contact=contact)
    return move


def contact_stage_move(
    *,
    actor: Any,
    contact: Contact,
    to_stage: str,
    reason: str = "",
    nurture_until: Any = None,
    via: str = "ui",
) -> LifecycleMove:
    """A person moves a contact's lifecycle stage by hand (the contact page, the API).

    Recycling and disqualifying go through ``contact_recycle`` and ``contact_disqualify``, so
    a recycled contact always has a nurture date and is in the nurture segment; moving a
    recycled contact anywhere else by hand ends their nurture. ``nurture_until`` is only for
    a move to recycled."""
    if to_stage == Stage.RECYCLED:
        return contact_recycle(
            actor=actor, contact=contact, reason=reason, nurture_until=nurture_until, via=via
        )
    if nurture_until not in (None, ""):
        raise InvalidInput.field("nurture_until", "only a contact being recycled is nurtured")
    if to_stage == Stage.DISQUALIFIED:
        return contact_disqualify(actor=actor, contact=contact, reason=reason, via=via)
    was_nurtured = contact.lifecycle_stage == Stage.RECYCLED or contact.nurture_until is not None
    with transaction.atomic():
        move = people.lifecycle_move_by_user(
            actor=actor, contact=contact, to_stage=to_stage, reason=reason, via=via
        )
        if was_nurtured:
            _nurture_set(contact=contact, day=None, actor=actor, via=via)
            nurture.nurture_member_remove(contact=contact)
    return move


def _nurture_set(*, contact: Contact, day: dt.date | None, actor: Any, via: str) -> None:
    """Write the contact's nurture date, with its audit entry, when it changes."""
    if contact.nurture_until == day:
        return
    audit.record_changes(
        actor=actor, obj=contact, changes={"nurture_until": [contact.nurture_until, day]}, via=via
    )
    contact.nurture_until = day
    contact.save(update_fields=["nurture_until", "updated_at"])


def contacts_nurture_end(*, today: dt.date | None = None) -> dict[str, int]:
    """End the nurture of every contact whose nurture date has passed (the day after it):
    the date is cleared, they leave the nurture segment, a recycled contact goes back to
    marketing's active leads (a lifecycle move saying why), and they are rescored, so one
    whose score is at the threshold is handed off again.

    One transaction per contact: a refusal for one must not undo the others. Returns how many
    nurtures ended, how many went back to lead and how many were handed off."""
    from tandem.people.lifecycle import move_problem

    today = today or timezone.localdate()
    due = Contact.objects.filter(nurture_until__lt=today).order_by("pk")
    counts = {"ended": 0, "back_to_lead": 0, "handed_off": 0}
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic(), audit.batched():
            contact = (
                due.select_for_update(of=("self",))
                .select_related("account", "last_touch_campaign", "first_touch_campaign")
                .filter(pk=pk)
                .first()
            )
            if contact is None:
                continue  # qualified again or moved by hand since the list was read
            ended = contact.nurture_until
            assert ended is not None
            why = f"nurture ended {ended:%Y-%m-%d}"
            audit.record_changes(
                actor=None, obj=contact, changes={"nurture_until": [ended, None]}, via="nurture"
            )
            contact.nurture_until = None
            unsaved = ["nurture_until"]
            if contact.lifecycle_stage == Stage.RECYCLED and not move_problem(
                Stage.RECYCLED, Stage.LEAD, why
            ):
                people.lifecycle_move(
                    contact=contact,
                    to_stage=Stage.LEAD,
                    reason=f"{why}: back to marketing's active leads",
                    via="nurture",
                    unsaved=unsaved,
                )
                counts["back_to_lead"] += 1
            nurture.nurture_member_remove(contact=contact)
            contact_rescore(contact=contact, via="nurture", unsaved=unsaved)
            counts["ended"] += 1
            counts["handed_off"] += contact.lifecycle_stage == Stage.MQL
    return counts


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


# --- Set-up: scoring rules and settings, by managers on both sides -------------------------


def icp_rule_save(
    *,
    actor: Any,
    kind: str,
    field: str,
    values: list[str],
    points: Any,
    label: str,
    position: int = 0,
    rule: Any = None,
    via: str = "ui",
) -> Any:
    """Create (or change) an ICP rule; a rule naming a field its type does not read, an
    unknown type, or values that cannot match are refused before anything is saved."""
    from tandem.handoff.models import IcpRule

    policies.require(actor, "change" if rule else "create", "handoff_setup")
    values = (
        [v.strip() for v in values if isinstance(v, str)] if isinstance(values, list) else values
    )
    problems = scoring.rule_problem(kind=kind, field=field, values=values)
    try:
        points = int(points)
    except (TypeError, ValueError):
        problems["points"] = "give a whole number of points (negative to subtract)"
    if not str(label).strip():
        problems["label"] = "name the rule as the lead page should show it"
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        target = rule or IcpRule()
        before = audit.snapshot(target) if rule else {}
        target.kind, target.field, target.values = kind, field, values
        target.points, target.label, target.position = points, str(label).strip()[:200], position
        target.save()
        if rule:
            audit.record_updated(actor=actor, obj=target, before=before, via=via)
        else:
            audit.record_created(actor=actor, obj=target, via=via)
    return target


def stage_rule_save(
    *,
    actor: Any,
    stage: str,
    is_enabled: bool = True,
    requires_reason: bool = False,
    allowed_from: list[str] | None = None,
    via: str = "ui",
) -> Any:
    """Set the company's entry rule for a lifecycle stage (admins only)."""
    from tandem.people.lifecycle import ESSENTIAL
    from tandem.people.models import StageRule
    from tandem.people.models import StageRule as _StageRule

    exists = _StageRule.objects.filter(stage=stage).exists()
    policies.require(actor, "change" if exists else "create", "lifecycle_setup")
    if stage not in Stage.values:
        raise InvalidInput.field("stage", f"'{stage}' is not a lifecycle stage")
    if not is_enabled and stage in ESSENTIAL:
        raise InvalidInput.field(
            "is_enabled", f"the relay needs the {Stage(stage).label.lower()} stage"
        )
    allowed = list(allowed_from or [])
    unknown = [s for s in allowed if s not in Stage.values]
    if unknown:
        raise InvalidInput.field("allowed_from", f"'{unknown[0]}' is not a lifecycle stage")
    with transaction.atomic():
        rule, created = StageRule.objects.get_or_create(stage=stage)
        before = audit.snapshot(rule)
        rule.is_enabled, rule.requires_reason, rule.allowed_from = (
            is_enabled,
            requires_reason,
            allowed,
        )
        rule.save()
        if created:
            audit.record_created(actor=actor, obj=rule, via=via)
        else:
            audit.record_updated(actor=actor, obj=rule, before=before, via=via)
    return rule


def routing_rule_save(
    *,
    actor: Any,
    name: str,
    team: Any,
    field: str = "",
    values: list[str] | None = None,
    segment: Any = None,
    position: int = 0,
    via: str = "ui",
) -> Any:
    """Add a territory rule (an account field's values → a team) or a segment rule."""
    from tandem.handoff.models import RoutingRule

    policies.require(actor, "create", "handoff_setup")
    values = [v.strip() for v in (values or []) if v.strip()]
    if not name.strip():
        raise InvalidInput.field("name", "name the rule")
    if team is None:
        raise InvalidInput.field("team", "choose the team that takes these leads")
    if segment is None:
        if field not in routing.ROUTING_FIELDS:
            raise InvalidInput.field(
                "field", f"unknown field {field!r}; use {', '.join(routing.ROUTING_FIELDS)}"
            )
        if not values:
            raise InvalidInput.field("values", "give at least one value to match")
    rule = RoutingRule.objects.create(
        name=name.strip()[:120],
        team=team,
        field="" if segment else field,
        values=values,
        segment=segment,
        position=position,
    )
    audit.record_created(actor=actor, obj=rule, via=via)
    return rule


def _rule_delete(*, actor: Any, rule: Any, resource: str, via: str) -> None:
    """Delete a set-up rule the actor may delete under ``resource``, with its audit entry."""
    policies.require(actor, "delete", resource)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=rule, via=via)
        rule.delete()


def routing_rule_delete(*, actor: Any, rule: Any, via: str = "ui") -> None:
    """Drop a territory or segment rule: its leads go to the next rule or the round robin."""
    _rule_delete(actor=actor, rule=rule, resource="handoff_setup", via=via)


def stage_rule_delete(*, actor: Any, rule: Any, via: str = "ui") -> None:
    """Drop a stage's entry rule: the stage follows the default machine again."""
    _rule_delete(actor=actor, rule=rule, resource="lifecycle_setup", via=via)


def icp_rule_delete(*, actor: Any, rule: Any, via: str = "ui") -> None:
    """Delete an ICP rule (when none are left, the default rules apply again)."""
    _rule_delete(actor=actor, rule=rule, resource="handoff_setup", via=via)


# --- Set-up: the scoring profile, touch weights and service levels --------------------------

# The fields each settings form accepts: name -> (kind of value, smallest, largest).
_PROFILE_FIELDS: dict[str, tuple[type, float, float]] = {
    "mql_threshold": (int, 1, 1000),
    "half_life_days": (float, 0, 365),
    "window_days": (int, 1, 730),
    "fit_a": (int, 0, 1000),
    "fit_b": (int, 0, 1000),
    "fit_c": (int, 0, 1000),
    "engagement_1": (int, 0, 1000),
    "engagement_2": (int, 0, 1000),
    "engagement_3": (int, 0, 1000),
    "predictive_min_leads": (int, 10, 1_000_000),
}
_LEVEL_FIELDS: dict[str, tuple[type, float, float]] = {
    "first_touch_hours": (int, 1, 120),
    "warn_before_minutes": (int, 0, 7200),
    "workday_start_hour": (int, 0, 22),
    "workday_end_hour": (int, 1, 23),
    "follow_up_attempts": (int, 1, 20),
    "follow_up_days": (int, 1, 90),
    "quarterly_revenue_goal": (Decimal, 0, 999_999_999_999),
    "minimum_acceptance_rate": (float, 0, 1),
}
_WEIGHT_MAX_POINTS, _WEIGHT_MAX_CAP = 1000, 10_000


def _number(value: Any, kind: type, low: float, high: float) -> tuple[Any, str]:
    """``value`` (a form's text or a JSON number) as ``kind`` within [low, high], or why not."""
    if isinstance(value, bool):
        value = None
    text = str(value).replace(",", "").replace(" ", "").strip() if value is not None else ""
    shown_high = f"{high:,.0f}" if kind is not float else f"{high:g}"
    shown_low = f"{low:g}"
    try:
        if kind is int:
            number: Any = int(text)
            wanted = "a whole number"
        elif kind is Decimal:
            number = Decimal(text).quantize(Decimal("0.01"))
            if not number.is_finite():
                raise InvalidOperation
            wanted = "an amount"
        else:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError
            wanted = "a number"
    except (ValueError, InvalidOperation):
        what = {int: "a whole number", Decimal: "an amount", float: "a number"}[kind]
        return None, f"give {what} from {shown_low} to {shown_high}"
    if not low <= number <= high:
        return None, f"give {wanted} from {shown_low} to {shown_high}"
    return number, ""


def _parse(
    fields: dict[str, Any], allowed: dict[str, tuple[type, float, float]], problems: dict[str, str]
) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in allowed:
            problems[name] = "not a setting that can be changed here"
            continue
        number, problem = _number(value, *allowed[name])
        if problem:
            problems[name] = problem
        else:
            parsed[name] = number
    return parsed


def _profile_problems(merged: dict[str, Any], problems: dict[str, str]) -> None:
    half_life, window = merged["half_life_days"], merged["window_days"]
    if "window_days" not in problems and "half_life_days" not in problems and window < half_life:
        problems["window_days"] = (
            f"count at least one half-life back ({half_life:g} days): older touches would "
            "never have decayed"
        )
    for names, what in (
        (("fit_a", "fit_b", "fit_c"), "fit"),
        (("engagement_1", "engagement_2", "engagement_3"), "engagement"),
    ):
        for higher, lower in itertools.pairwise(names):
            if higher in problems or lower in problems:
                continue
            if merged[lower] >= merged[higher]:
                problems[lower] = (
                    f"must be below the {what} cut-off above it ({merged[higher]}): "
                    "cut-offs go down from the best grade"
                )


def _weight_changes(weights: Any, problems: dict[str, str]) -> dict[str, tuple[int, int]]:
    """``{kind: {"points": …, "daily_cap": …}}`` checked: known kinds, sensible numbers."""
    parsed: dict[str, tuple[int, int]] = {}
    if not isinstance(weights, dict):
        problems["weights"] = "give points and a daily cap for each kind of touch"
        return parsed
    for kind, weight in weights.items():
        if kind not in TouchKind.values:
            problems[f"weights.{kind}"] = (
                f"unknown kind of touch {kind!r}; use {', '.join(TouchKind.values)}"
            )
            continue
        weight = weight if isinstance(weight, dict) else {}
        points, points_problem = _number(weight.get("points"), int, 0, _WEIGHT_MAX_POINTS)
        cap, cap_problem = _number(weight.get("daily_cap"), int, 0, _WEIGHT_MAX_CAP)
        if points_problem:
            problems[f"weights.{kind}.points"] = points_problem
        if cap_problem:
            problems[f"weights.{kind}.daily_cap"] = cap_problem
        if points_problem or cap_problem:
            continue
        if cap < points:
            problems[f"weights.{kind}.daily_cap"] = (
                f"must be at least one touch's points ({points})"
            )
            continue
        parsed[kind] = (points, cap)
    return parsed


def scoring_save(
    *,
    actor: Any,
    profile: dict[str, Any] | None = None,
    weights: dict[str, dict[str, Any]] | None = None,
    via: str = "ui",
) -> None:
    """Change the scoring profile (only the fields given) and the touch weights (only the kinds
    given) together. Every field is checked first and every bad one named; nothing is saved
    unless all are good. One audit entry per changed row; saved through the ORM, so every
    process scores with the new settings from the next touch on."""
    from tandem.handoff.models import ScoringProfile, TouchWeight

    policies.require(actor, "change", "handoff_setup")
    problems: dict[str, str] = {}
    fields = dict(profile or {})
    # No threshold of its own: the TANDEM_MQL_THRESHOLD setting decides.
    clears_threshold = "mql_threshold" in fields and fields["mql_threshold"] in ("", None)
    if clears_threshold:
        del fields["mql_threshold"]
    parsed = _parse(fields, _PROFILE_FIELDS, problems)
    if clears_threshold:
        parsed["mql_threshold"] = None
    new_weights = _weight_changes(weights, problems) if weights is not None else {}
    with transaction.atomic():
        row = ScoringProfile.objects.select_for_update().first()
        is_new = row is None
        row = row or ScoringProfile()
        current = {name: getattr(row, name) for name in _PROFILE_FIELDS}
        _profile_problems({**current, **parsed}, problems)
        if problems:
            raise InvalidInput(problems)
        changes = {n: [current[n], v] for n, v in parsed.items() if current[n] != v}
        if changes:
            for name, value in parsed.items():
                setattr(row, name, value)
            row.save()
            if is_new:
                audit.record_created(actor=actor, obj=row, via=via)
            else:
                audit.record_changes(actor=actor, obj=row, changes=changes, via=via)
        saved = {w.kind: w for w in TouchWeight.objects.select_for_update()}
        in_force = scoring.default_profile().weights
        for kind, (points, cap) in new_weights.items():
            weight = saved.get(kind)
            if weight is None:
                if in_force.get(kind, (0, 0)) == (points, cap):
                    continue  # the default already says so
                weight = TouchWeight.objects.create(kind=kind, points=points, daily_cap=cap)
                audit.record_created(actor=actor, obj=weight, via=via)
            elif (weight.points, weight.daily_cap) != (points, cap):
                weight_changes = {
                    "points": [weight.points, points],
                    "daily_cap": [weight.daily_cap, cap],
                }
                weight.points, weight.daily_cap = points, cap
                weight.save(update_fields=["points", "daily_cap"])
                audit.record_changes(actor=actor, obj=weight, changes=weight_changes, via=via)


def scoring_profile_save(*, actor: Any, via: str = "ui", **fields: Any) -> None:
    """Change the scoring profile's given fields (threshold, decay, grade cut-offs …)."""
    scoring_save(actor=actor, profile=fields, via=via)


def touch_weights_save(*, actor: Any, weights: dict[str, dict[str, Any]], via: str = "ui") -> None:
    """Change the points and daily cap of the given kinds of touch."""
    scoring_save(actor=actor, weights=weights, via=via)


def service_level_save(*, actor: Any, via: str = "ui", **fields: Any) -> Any:
    """Change the service levels' given fields: both managers agree them. Every field is
    checked first and every bad one named; one audit entry with what changed."""
    from tandem.handoff.models import ServiceLevel

    policies.require(actor, "change", "handoff_setup")
    problems: dict[str, str] = {}
    parsed = _parse(fields, _LEVEL_FIELDS, problems)
    with transaction.atomic():
        # A fresh row, never the cached one: that one is shared and must not change in place.
        row = ServiceLevel.objects.select_for_update().first()
        is_new = row is None
        row = row or ServiceLevel()
        current = {name: getattr(row, name) for name in _LEVEL_FIELDS}
        merged = {**current, **parsed}
        start, end = merged["workday_start_hour"], merged["workday_end_hour"]
        if not {"workday_start_hour", "workday_end_hour"} & problems.keys() and end <= start:
            problems["workday_end_hour"] = f"must be after the working day starts ({start}:00)"
        first_touch_minutes = merged["first_touch_hours"] * 60
        if (
            not {"warn_before_minutes", "first_touch_hours"} & problems.keys()
            and merged["warn_before_minutes"] >= first_touch_minutes
        ):
            problems["warn_before_minutes"] = (
                f"must be less than the first-touch time ({first_touch_minutes} minutes)"
            )
        if problems:
            raise InvalidInput(problems)
        changes = {n: [current[n], v] for n, v in parsed.items() if current[n] != v}
        if changes:
            for name, value in parsed.items():
                setattr(row, name, value)
            row.save()
            if is_new:
                audit.record_created(actor=actor, obj=row, via=via)
            else:
                audit.record_changes(actor=actor, obj=row, changes=changes, via=via)
    return row
