"""What every page's navigation needs from collaboration: unread notifications and surveys."""

from __future__ import annotations

from typing import Any

from tandem.collaboration.selectors import unread_count
from tandem.collaboration.survey_selectors import reads_aggregates


def inbox(request: Any) -> dict[str, Any]:
    """``nav_collaboration``: the unread count beside Inbox and whether Surveys is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_collaboration": {
            "unread": unread_count(user=user),
            "surveys": reads_aggregates(user),
        }
    }
