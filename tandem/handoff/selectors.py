"""Queries on hand-offs: a rep's queue, leads a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tandem.access import policies
from tandem.handoff.models import Lead


def leads_for_user(*, user: Any, status: str = "") -> QuerySet[Lead]:
    qs = policies.visible(
        user, "lead", Lead.objects.select_related("contact__account", "assigned_to", "campaign")
    )
    return qs.filter(status=status) if status else qs


def lead_queue(*, user: Any) -> QuerySet[Lead]:
    """The waiting leads this user may answer, oldest first: a rep's own, a manager's team's."""
    waiting = Lead.objects.filter(status=Lead.Status.WAITING).select_related(
        "contact__account", "assigned_to", "campaign"
    )
    return policies.visible(user, "lead", waiting, action="change").order_by("handed_off_at")


def lead_get_for_user(*, user: Any, lead_id: int) -> Lead:
    return policies.get_visible(
        user,
        "lead",
        Lead.objects.select_related("contact__account", "assigned_to", "campaign"),
        lead_id,
    )
