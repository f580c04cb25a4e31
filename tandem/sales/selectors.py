"""Queries on deals and pipelines."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tandem.access import policies
from tandem.sales.models import Deal


def deals_for_user(
    *,
    user: Any,
    outcome: str = "",
    owner_id: int | None = None,
    search: str = "",
    contact_id: int | None = None,
    account_id: int | None = None,
) -> QuerySet[Deal]:
    qs = policies.visible(
        user,
        "deal",
        Deal.objects.select_related(
            "stage", "pipeline", "owner", "account", "contact", "source_campaign"
        ),
    )
    if outcome:
        qs = qs.filter(stage__outcome=outcome)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if search:
        qs = qs.filter(name__icontains=search)
    if contact_id:
        qs = qs.filter(contact_id=contact_id)
    if account_id:
        qs = qs.filter(account_id=account_id)
    return qs


def deal_get_for_user(*, user: Any, deal_id: int) -> Deal:
    return policies.get_visible(
        user,
        "deal",
        Deal.objects.select_related(
            "stage", "pipeline", "owner", "account", "contact", "source_campaign", "lead"
        ),
        deal_id,
    )


def deal_private_notes_for(*, user: Any, deal: Deal) -> str | None:
    """The rep's private notes, or None when the user may not read them."""
    return deal.private_notes if policies.can(user, "view", "deal_private_notes", deal) else None
