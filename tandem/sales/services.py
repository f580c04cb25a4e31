"""Use cases on deals: open, move between stages, win, lose, keep private notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.people import services as people
from tandem.people.lifecycle import PRE_CUSTOMER, Stage
from tandem.people.models import AudienceType, Contact
from tandem.sales.models import Deal, DealStageMove, LostReason, Pipeline, PipelineStage

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
    via: str = "ui",
) -> Deal:
    policies.require(actor, "create", "deal")
    if not name or not name.strip():
        raise InvalidInput.field("name", "a deal needs a name")
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
            created_at=timezone.now(),
        )
        DealStageMove.objects.create(
            deal=deal, to_stage=first_stage, moved_at=deal.created_at, moved_by=actor
        )
        audit.record_created(actor=actor, obj=deal, via=via)
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
    deal.stage = stage


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
    return deal


def deal_close_won(*, actor: Any, deal: Deal, amount: Any = None, via: str = "ui") -> Deal:
    """Win the deal: the contact becomes a customer (or a repeat customer)."""
    _change(actor, deal)
    won = _amount(deal.amount if amount in (None, "") else amount)
    if won <= 0:
        raise InvalidInput.field("amount", "a won deal needs an amount above zero")
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
        _move(actor=actor, deal=deal, stage=stage)
        deal.amount, deal.closed_at = won, timezone.now()
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
        _move(actor=actor, deal=deal, stage=stage)
        deal.lost_reason, deal.closed_at = reason, timezone.now()
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


def deal_delete(*, actor: Any, deal: Deal, via: str = "ui") -> None:
    """Delete the deal with its stage history; its contact, account and lead stay."""
    policies.require(actor, "delete", "deal", deal)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=deal, via=via)
        deal.delete()


def deal_notes_update(*, actor: Any, deal: Deal, notes: str, via: str = "ui") -> Deal:
    """Write, rewrite or clear the rep's private notes: each is checked as its own action."""
    if not deal.private_notes:
        action = "create"
    elif not notes:
        action = "delete"
    else:
        action = "change"
    policies.require(actor, action, "deal_private_notes", deal)
    if len(notes) > 20000:
        raise InvalidInput.field("private_notes", "must be at most 20000 characters")
    before = audit.snapshot(deal)
    deal.private_notes = notes
    deal.save(update_fields=["private_notes"])
    audit.record_updated(actor=actor, obj=deal, before=before, via=via)
    return deal
