"""The deal's business events (``core.business_events``) and the payload each carries.

Built from the deal in hand without a query (the stage's name only when the stage row is
already on the deal, as every move leaves it). Documented shape: ``webhooks.payloads``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tandem.core.business_events import business_event_announce
from tandem.sales.models import Deal, PipelineStage


def deal_data(deal: Deal) -> dict[str, Any]:
    """The deal as webhooks tell it (payload version 1); money as text, times ISO 8601."""
    stage = deal._state.fields_cache.get("stage")
    return {
        "id": deal.pk,
        "name": deal.name,
        "amount": str(deal.amount),
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "stage": stage.name if stage is not None else None,
        "outcome": stage.outcome if stage is not None else None,
        "owner_id": deal.owner_id,
        "contact_id": deal.contact_id,
        "account_id": deal.account_id,
        "lead_id": deal.lead_id,
        "expected_close_on": _iso(deal.expected_close_on),
        "closed_at": _iso(deal.closed_at),
        "lost_reason": deal.lost_reason or None,
        "external_id": deal.external_id,
        "created_at": _iso(deal.created_at),
    }


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def deal_event(type: str, deal: Deal, **extra: Any) -> None:
    """Announce ``type`` about ``deal``: ``{"deal": …, **extra}``."""
    business_event_announce(
        type,
        {"deal": deal_data(deal), **extra},
        occurred_at=timezone.now(),
        subjects={"deal": deal.pk, **({"contact": deal.contact_id} if deal.contact_id else {})},
    )


def deal_moved_event(deal: Deal, *, from_stage: PipelineStage) -> None:
    """Announce a move between stages, and the win or the loss when the stage closes it."""
    deal_event("deal.stage_changed", deal, from_stage_id=from_stage.pk, from_stage=from_stage.name)
    if deal.stage.outcome == PipelineStage.Outcome.WON:
        deal_event("deal.won", deal)
    elif deal.stage.outcome == PipelineStage.Outcome.LOST:
        deal_event("deal.lost", deal, reason=deal.lost_reason)
