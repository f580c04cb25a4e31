"""Use cases on deals: open, move between stages, win, lose, keep private notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.fields.field_services import custom_values_apply
from tandem.people import services as people
from tandem.people.lifecycle import PRE_CUSTOMER, Stage
from tandem.people.models import Account, AudienceType, Contact
from tandem.sales.business_events import deal_event, deal_moved_event
from tandem.sales.models import (
    CommitteeMember,
    CommitteeRole,
    Deal,
    DealSource,
    DealStageMove,
    ForecastCategory,
    LostReason,
    Pipeline,
    PipelineStage,
    PreferredChannel,
)
from tandem.sales.review_services import fit_review_blocking, fit_review_sync

DEFAULT_STAGES = (
    ("Discovery", 10, PipelineStage.Outcome.OPEN),
    ("Proposal", 40, PipelineStage.Outcome.OPEN),
    ("Negotiation", 70, PipelineStage.Outcome.OPEN),
    ("Won", 100, PipelineStage.Outcome.WON),
    ("Lost", 0, PipelineStage.Outcome.LOST),
)


def pipeline_default() -> Pipeline:
    """The default pipeline, created with standard stages the first time it is needed."""
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is not None:
        return pipeline
    with transaction.atomic():
        pipeline, created = Pipeline.objects.get_or_create(
            name="New business", defaults={"is_default": True}
        )
        if created:
            PipelineStage.objects.bulk_create(
                PipelineStage(pipeline=pipeline, name=name, position=i, probability=p, outcome=o)
                for i, (name, p, o) in enumerate(DEFAULT_STAGES)
            )
    return pipeline


def _amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput.field(field, f"'{value}' is not a number") from None
    if amount < 0 or not amount.is_finite():
        raise InvalidInput.field(field, "must be zero or more")
    return amount.quantize(Decimal("0.01"))


def deal_open(
    *,
    actor: Any,
    name: str,
    owner: Any,
    contact: Contact | None = None,
    pipeline: Pipeline | None = None,
    amount: Any = 0,
    expected_close_on: dt.date | None = None,
    lead: Any = None,
    source_campaign: Any = None,
    custom: Any = None,
    via: str = "ui",
) -> Deal:
    """Open a deal at its pipeline's first stage; a refused custom value names custom.<key>."""
    policies.require(actor, "create", "deal")
    if not name or not name.strip():
        raise InvalidInput.field("name", "a deal needs a name")
    values = custom_values_apply(entity="deal", current={}, sent=custom or {})
    pipeline = pipeline or pipeline_default()
    first_stage = pipeline.stages.filter(outcome=PipelineStage.Outcome.OPEN).first()
    if first_stage is None:
        raise InvalidInput.field("pipeline", f"{pipeline} has no open stage")
    with transaction.atomic():
        deal = Deal.objects.create(
            name=name.strip()[:200],
            owner=owner,
            contact=contact,
            account=contact.account if contact else None,
            pipeline=pipeline,
            stage=first_stage,
            amount=_amount(amount),
            expected_close_on=expected_close_on,
            lead=lead,
            source_campaign=source_campaign,
            custom=values,
            created_at=timezone.now(),
        )
        DealStageMove.objects.create(
            deal=deal, to_stage=first_stage, moved_at=deal.created_at, moved_by=actor
        )
        audit.record_created(actor=actor, obj=deal, via=via)
        deal_event("deal.created", deal)
        if contact is not None and contact.lifecycle_stage in PRE_CUSTOMER | {Stage.RECYCLED}:
            people.lifecycle_move(
                contact=contact,
                to_stage=Stage.OPPORTUNITY,
                actor=actor,
                via=via,
                reason=f"deal opened: {deal.name}",
            )
    return deal


def _change(actor: Any, deal: Deal) -> None:
    policies.require(actor, "change", "deal", deal)
    if not deal.is_open:
        raise InvalidInput.field("stage", f"this deal is already {deal.stage.outcome}")


def _move(*, actor: Any, deal: Deal, stage: PipelineStage) -> None:
    DealStageMove.objects.create(
        deal=deal, from_stage=deal.stage, to_stage=stage, moved_at=timezone.now(), moved_by=actor
    )
    from_stage, deal.stage = deal.stage, stage
    deal_moved_event(deal, from_stage=from_stage)


def deal_move(*, actor: Any, deal: Deal, stage_id: int, via: str = "ui") -> Deal:
    """Move an open deal to another open stage of its pipeline."""
    _change(actor, deal)
    stage = deal.pipeline.stages.filter(pk=stage_id).first()
    if stage is None:
        raise InvalidInput.field("stage", "that stage is not in this deal's pipeline")
    if stage.outcome != PipelineStage.Outcome.OPEN:
        raise InvalidInput.field("stage", "use win or lose to close a deal")
    if stage.pk == deal.stage_id:
        return deal
    with transaction.atomic():
        before = audit.snapshot(deal)
        _move(actor=actor, deal=deal, stage=stage)
        deal.save(update_fields=["stage"])
        audit.record_updated(actor=actor, obj=deal, before=before, via=via)
        # A deal that no longer fits is flagged for a joint review as soon as it moves on.
        fit_review_sync(deal=deal, actor=actor, via=via)
    return deal


def deal_close_won(*, actor: Any, deal: Deal, amount: Any = None, via: str = "ui") -> Deal:
    """Win the deal: the contact becomes a customer (or a repeat customer).

    A deal with fit concerns is refused until its fit review is approved by both teams; the
    review is opened here if there is none yet, so the refusal names where to go next.
    """
    _change(actor, deal)
    won = _amount(deal.amount if amount in (None, "") else amount)
    if won <= 0:
        raise InvalidInput.field("amount", "a won deal needs an amount above zero")
    blocked = fit_review_blocking(deal=deal, actor=actor)
    if blocked:
        raise InvalidInput.field("fit_review", blocked)
    stage = deal.pipeline.stages.filter(outcome=PipelineStage.Outcome.WON).first()
    if stage is None:
        raise InvalidInput.field("pipeline", f"{deal.pipeline} has no won stage")
    with transaction.atomic():
        before = audit.snapshot(deal)
        deal.is_repeat_purchase = (
            deal.account_id is not None
            and Deal.objects.filter(
                account_id=deal.account_id, stage__outcome=PipelineStage.Outcome.WON
            )
            .exclude(pk=deal.pk)
            .exists()
        )
        deal.amount, deal.closed_at = won, timezone.now()
        _move(actor=actor, deal=deal, stage=stage)
        deal.save(update_fields=["stage", "amount", "closed_at", "is_repeat_purchase"])
        audit.record_updated(actor=actor, obj=deal, before=before, via=via)
        contact = deal.contact
        if contact is not None:
            Contact.objects.filter(pk=contact.pk).update(
                audience_flags=contact.audience_flags | AudienceType.CUSTOMER
            )
            contact.audience_flags |= AudienceType.CUSTOMER
            target = (
                Stage.REPEAT_CUSTOMER
                if contact.lifecycle_stage == Stage.CUSTOMER
                else Stage.CUSTOMER
            )
            if contact.lifecycle_stage not in (Stage.REPEAT_CUSTOMER, Stage.ADVOCATE):
                people.lifecycle_move(
                    contact=contact,
                    to_stage=target,
                    actor=actor,
                    via=via,
                    reason=f"won {deal.name}",
                )
    return deal


def deal_close_lost(*, actor: Any, deal: Deal, reason: str, via: str = "ui") -> Deal:
    """Lose the deal with a reason; a contact who never bought goes back to marketing."""
    _change(actor, deal)
    if reason not in LostReason.values:
        raise InvalidInput.field("reason", f"choose a reason: {', '.join(LostReason.values)}")
    stage = deal.pipeline.stages.filter(outcome=PipelineStage.Outcome.LOST).first()
    if stage is None:
        raise InvalidInput.field("pipeline", f"{deal.pipeline} has no lost stage")
    with transaction.atomic():
        before = audit.snapshot(deal)
        deal.lost_reason, deal.closed_at = reason, timezone.now()
        _move(actor=actor, deal=deal, stage=stage)
        deal.save(update_fields=["stage", "lost_reason", "closed_at"])
        audit.record_updated(actor=actor, obj=deal, before=before, via=via)
        contact = deal.contact
        if contact is not None and contact.lifecycle_stage in PRE_CUSTOMER:
            people.lifecycle_move(
                contact=contact,
                to_stage=Stage.RECYCLED,
                actor=actor,
                via=via,
                reason=f"deal lost: {LostReason(reason).label}",
            )
    return deal


# What other apps keep on a deal and must settle before it goes: each registered step runs
# inside ``deal_delete``'s transaction and either refuses (``InvalidInput``) or tidies up
# (the orders app refuses while an order is live and releases stock still held for the rest).
DealDeleteStep = Callable[..., None]
_DELETE_STEPS: dict[str, DealDeleteStep] = {}


def deal_delete_step(name: str) -> Callable[[DealDeleteStep], DealDeleteStep]:
    """Register ``fn(*, actor, deal, via)`` to run before a deal is deleted."""

    def register(fn: DealDeleteStep) -> DealDeleteStep:
        _DELETE_STEPS[name] = fn
        return fn

    return register


def deal_delete(*, actor: Any, deal: Deal, via: str = "ui") -> None:
    """Delete the deal with its stage history; its contact, account and lead stay.

    The registered steps run first, in the same transaction: the orders app refuses while
    the deal has a confirmed, shipped, delivered or invoiced order (naming them) and releases
    any stock its other orders still hold, so deleting a deal never strands a reservation.
    """
    policies.require(actor, "delete", "deal", deal)
    with transaction.atomic():
        for step in _DELETE_STEPS.values():
            step(actor=actor, deal=deal, via=via)
        audit.record_deleted(actor=actor, obj=deal, via=via)
        deal.delete()


def deal_notes_update(*, actor: Any, deal: Deal, notes: str, via: str = "ui") -> Deal:
    """Write, rewrite or clear the rep's private notes: each is checked as its own action."""
    action = "create" if not deal.private_notes else ("delete" if not notes else "change")
    policies.require(actor, action, "deal_private_notes", deal)
    if len(notes) > 20000:
        raise InvalidInput.field("private_notes", "must be at most 20000 characters")
    before = audit.snapshot(deal)
    deal.private_notes = notes
    deal.save(update_fields=["private_notes"])
    audit.record_updated(actor=actor, obj=deal, before=before, via=via)
    return deal


# -- pipelines and their stages (sales managers) -------------------------------------------


def deal_change(
    *,
    actor: Any,
    deal: Deal,
    stage_id: int | None = None,
    notes: str | None = None,
    custom: Any = None,
    via: str = "ui",
) -> Deal:
    """Move a deal to a stage, rewrite its private notes and/or set custom values (by key) as
    one change: a refused note or value leaves the stage unmoved (one transaction)."""
    with transaction.atomic():
        if stage_id is not None:
            deal_move(actor=actor, deal=deal, stage_id=stage_id, via=via)
        if notes is not None:
            deal_notes_update(actor=actor, deal=deal, notes=notes, via=via)
        if custom is not None:
            deal_update(actor=actor, deal=deal, custom=custom, via=via)
    return deal


def pipeline_create(
    *, actor: Any, name: str, stages: list[tuple[str, int]] | None = None, via: str = "ui"
) -> Pipeline:
    """A new pipeline with its open stages (name, probability %) and a won and a lost stage."""
    policies.require(actor, "create", "sales_plan")
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "a pipeline needs a name")
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise InvalidInput.field("name", f"there is already a pipeline called {name}")
    open_stages = stages or [(n, p) for n, p, o in DEFAULT_STAGES if o == "open"]
    for stage_name, probability in open_stages:
        _stage_check(stage_name, probability)
    with transaction.atomic():
        pipeline = Pipeline.objects.create(name=name[:100])
        rows = [(n.strip(), p, PipelineStage.Outcome.OPEN) for n, p in open_stages]
        rows += [("Won", 100, PipelineStage.Outcome.WON), ("Lost", 0, PipelineStage.Outcome.LOST)]
        PipelineStage.objects.bulk_create(
            PipelineStage(pipeline=pipeline, name=n, position=i, probability=p, outcome=o)
            for i, (n, p, o) in enumerate(rows)
        )
        audit.record_created(actor=actor, obj=pipeline, via=via)
    return pipeline


def _stage_check(name: str, probability: Any, field: str = "stages") -> int:
    if not (name or "").strip():
        raise InvalidInput.field(field, "every stage needs a name")
    try:
        value = int(probability)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, f"'{probability}' is not a whole per cent") from None
    if not 0 <= value <= 100:
        raise InvalidInput.field(field, "a probability is between 0 and 100 per cent")
    return value


def pipeline_stage_save(
    *,
    actor: Any,
    pipeline: Pipeline,
    name: str,
    probability: Any,
    stage: PipelineStage | None = None,
    via: str = "ui",
) -> PipelineStage:
    """Rename a stage or change its default probability; or add an open stage before Won."""
    policies.require(actor, "change", "sales_plan")
    value = _stage_check(name, probability, "probability" if (name or "").strip() else "name")
    with transaction.atomic():
        if stage is not None:
            if stage.pipeline_id != pipeline.pk:
                raise InvalidInput.field("stage", "that stage is not in this pipeline")
            before = audit.snapshot(stage)
            stage.name, stage.probability = name.strip()[:100], value
            stage.save(update_fields=["name", "probability"])
            audit.record_updated(actor=actor, obj=stage, before=before, via=via)
            return stage
        stages = list(pipeline.stages.select_for_update().order_by("position"))
        first_closed = next(
            (s.position for s in stages if s.outcome != PipelineStage.Outcome.OPEN),
            len(stages),
        )
        # Make room before the closed stages: shift them up, highest first (unique positions).
        for closed in sorted(stages, key=lambda s: -s.position):
            if closed.position >= first_closed:
                PipelineStage.objects.filter(pk=closed.pk).update(position=closed.position + 1)
        stage = PipelineStage.objects.create(
            pipeline=pipeline, name=name.strip()[:100], position=first_closed, probability=value
        )
        audit.record_created(actor=actor, obj=stage, via=via)
    return stage


# -- a deal's working fields -------------------------------------------------------------

DEAL_FIELDS = (
    "name", "expected_close_on", "forecast_category", "next_step", "next_step_due_on", "source",
    "partner_id", "custom",
)  # fmt: skip


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput.field(field, f"'{value}' is not a date (YYYY-MM-DD)") from None


def deal_update(*, actor: Any, deal: Deal, via: str = "ui", **changes: Any) -> Deal:
    """Change a deal's close date, forecast category, next step, source, partner or custom
    values (``custom``: by key, blank clears; ``InvalidInput`` names ``custom.<key>``)."""
    policies.require(actor, "change", "deal", deal)
    unknown = set(changes) - set(DEAL_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "cannot be changed here")
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "name":
            if not (value or "").strip():
                raise InvalidInput.field("name", "a deal needs a name")
            clean[field] = value.strip()[:200]
        elif field in ("expected_close_on", "next_step_due_on"):
            clean[field] = _date(value, field)
        elif field == "forecast_category":
            if value not in ForecastCategory.values:
                raise InvalidInput.field(
                    field, f"choose one of: {', '.join(ForecastCategory.values)}"
                )
            clean[field] = value
        elif field == "source":
            if value and value not in DealSource.values:
                raise InvalidInput.field(field, f"choose one of: {', '.join(DealSource.values)}")
            clean[field] = value or ""
        elif field == "next_step":
            clean[field] = (value or "").strip()[:200]
        elif field == "custom" and value is not None:
            clean[field] = custom_values_apply(entity="deal", current=deal.custom, sent=value)
        elif field == "partner_id":
            if value in (None, ""):
                clean[field] = None
            elif not Account.objects.filter(pk=value).exists():
                raise InvalidInput.field("partner", "no such account")
            else:
                clean[field] = int(value)
    source = clean.get("source", deal.source)
    partner_id = clean.get("partner_id", deal.partner_id)
    if partner_id and source != DealSource.PARTNER:
        raise InvalidInput.field("partner", "a partner goes with the source 'channel partner'")
    if clean.get("next_step") and not clean.get("next_step_due_on", deal.next_step_due_on):
        raise InvalidInput.field("next_step_due_on", "a next step needs a date")
    with transaction.atomic():
        before = audit.snapshot(deal)
        for field, value in clean.items():
            setattr(deal, field, value)
        deal.save(update_fields=list(clean))
        audit.record_updated(actor=actor, obj=deal, before=before, via=via)
    return deal


# -- the buying committee ----------------------------------------------------------------


def committee_member_save(
    *,
    actor: Any,
    deal: Deal,
    contact: Contact,
    role: str,
    pain_points: str = "",
    preferred_channel: str = "",
    timeline: str = "",
    decision_on: Any = None,
    via: str = "ui",
) -> CommitteeMember:
    """Put a contact on the deal's buying committee, or change their seat."""
    policies.require(actor, "change", "deal", deal)
    if role not in CommitteeRole.values:
        raise InvalidInput.field("role", f"choose one of: {', '.join(CommitteeRole.values)}")
    if preferred_channel and preferred_channel not in PreferredChannel.values:
        raise InvalidInput.field(
            "preferred_channel", f"choose one of: {', '.join(PreferredChannel.values)}"
        )
    values = {
        "role": role,
        "pain_points": (pain_points or "").strip()[:5000],
        "preferred_channel": preferred_channel or "",
        "timeline": (timeline or "").strip()[:200],
        "decision_on": _date(decision_on, "decision_on"),
    }
    with transaction.atomic():
        member = CommitteeMember.objects.filter(deal=deal, contact=contact).first()
        if member is None:
            member = CommitteeMember.objects.create(
                deal=deal, contact=contact, added_at=timezone.now(), **values
            )
            audit.record_created(actor=actor, obj=member, via=via)
        else:
            before = audit.snapshot(member)
            for field, value in values.items():
                setattr(member, field, value)
            member.save(update_fields=list(values))
            audit.record_updated(actor=actor, obj=member, before=before, via=via)
    return member


def committee_member_remove(*, actor: Any, member: CommitteeMember, via: str = "ui") -> None:
    policies.require(actor, "change", "deal", member.deal)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=member, via=via)
        member.delete()
