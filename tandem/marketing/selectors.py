"""Queries on campaigns and forms."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tandem.access import policies
from tandem.marketing.models import Campaign, LeadForm


def campaigns_for_user(*, user: Any) -> QuerySet[Campaign]:
    return policies.visible(user, "campaign", Campaign.objects.select_related("owner"))


def campaign_get_for_user(*, user: Any, campaign_id: int) -> Campaign:
    return policies.get_visible(user, "campaign", Campaign.objects.all(), campaign_id)


def form_get_public(*, slug: str) -> LeadForm:
    try:
        return LeadForm.objects.select_related("campaign").get(slug=slug, is_active=True)
    except LeadForm.DoesNotExist:
        raise Http404("No such form") from None
