"""Fit concerns: why a deal needs a joint review before it can be won.

Each check is a small registered function taking a deal and returning the concerns it finds.
Other apps register their own (the orders app checks discounts, terms and custom items).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tandem.sales.models import Deal


@dataclass(frozen=True)
class FitConcern:
    """One reason a deal falls outside the ideal-customer profile or the offer policy."""

    code: str
    message: str


FitCheck = Callable[["Deal"], list[FitConcern]]
_CHECKS: dict[str, FitCheck] = {}


def fit_check(name: str) -> Callable[[FitCheck], FitCheck]:
    """Register ``fn`` as a fit check under ``name`` (re-registering replaces it)."""

    def register(fn: FitCheck) -> FitCheck:
        _CHECKS[name] = fn
        return fn

    return register


def deal_fit_concerns(deal: Deal) -> list[FitConcern]:
    """Every concern every registered check finds on ``deal``, in registration order."""
    return [concern for check in _CHECKS.values() for concern in check(deal)]
