"""What every page needs to draw the navigation for the signed-in user."""

from __future__ import annotations

from typing import Any

from tandem.access import policies
from tandem.collaboration.selectors import unread_count
from tandem.collaboration.survey_selectors import reads_aggregates


def workspace(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "marketing": user.is_marketing or user.role in ("leadership", "admin"),
            "sales": user.is_sales or user.role in ("leadership", "admin"),
            "campaigns": policies.can(user, "view", "campaign"),
            "audit": policies.can(user, "view", "audit_log"),
            "unread": unread_count(user=user),
            "surveys": reads_aggregates(user),
        }
    }
