"""Small sales panels other apps' pages include with one line."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.access import policies
from tandem.sales import activity_selectors, selectors

register = template.Library()


@register.inclusion_tag("sales/_contact_panel.html", takes_context=True)
def contact_sales(context: template.Context, contact: Any) -> dict[str, Any]:
    """The contact's seats on buying committees and their open activities."""
    user = context["request"].user
    return {
        "seats": selectors.contact_committee_seats(user=user, contact=contact),
        "activities": list(
            activity_selectors.activities_for_user(user=user, contact_id=contact.pk).filter(
                done_at__isnull=True
            )[:10]
        ),
    }


@register.inclusion_tag("sales/_reviews_panel.html", takes_context=True)
def fit_reviews_panel(context: template.Context) -> dict[str, Any]:
    """Deals waiting in fit review, for the shared page both teams open."""
    user = context["request"].user
    if not policies.can(user, "view", "fit_review"):
        return {"shown": False}
    return {"shown": True, "reviews": selectors.fit_reviews_list(user=user, limit=10)}
