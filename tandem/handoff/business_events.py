"""The lead's business events (``core.business_events``) and the payload each carries.

Built from the lead in hand without a query. Documented shape: ``webhooks.payloads``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tandem.core.business_events import business_event_announce
from tandem.handoff.models import Lead


def lead_data(lead: Lead) -> dict[str, Any]:
    """The lead as webhooks tell it (payload version 1)."""
    return {
        "id": lead.pk,
        "contact_id": lead.contact_id,
        "campaign_id": lead.campaign_id,
        "assigned_to_id": lead.assigned_to_id,
        "status": lead.status,
        "score_at_handoff": lead.score_at_handoff,
        "grade_at_handoff": lead.grade_at_handoff,
        "handed_off_at": lead.handed_off_at.isoformat(),
        "decided_at": lead.decided_at.isoformat() if lead.decided_at else None,
        "rejection_reason": lead.rejection_reason or None,
    }


def lead_event(type: str, lead: Lead, **extra: Any) -> None:
    """Announce ``type`` about ``lead``: ``{"lead": …, **extra}``."""
    business_event_announce(
        type,
        {"lead": lead_data(lead), **extra},
        occurred_at=timezone.now(),
        subjects={"lead": lead.pk, "contact": lead.contact_id},
    )
