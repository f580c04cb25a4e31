"""What the hand-off's pages share: the period picker, who may see them, refused forms."""

from __future__ import annotations

from django.contrib import messages

from tandem.access import policies
from tandem.core.periods import period_context
from tandem.errors import InvalidInput


def period(request, default: str = "quarter") -> dict:
    """The page's period (week, month, quarter …) and its picker, from the query string."""
    return period_context(request, default)


def may_see(request) -> None:
    """Both teams' managers and admins see the hand-off pages; others are refused."""
    policies.require(request.user, "view", "handoff_setup")


def setup_errors(request, exc: InvalidInput) -> None:
    """A refused set-up form, its fields and reasons, as a message above the page."""
    messages.error(request, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
