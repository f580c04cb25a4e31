"""Money arithmetic for line items: exact Decimals, rounded once per unit price, to the cent.

The net unit price is rounded half-up to the cent; a line's amount is that price times the
quantity, so a printed quote always adds up (unit × quantity = line total, lines = total).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from tandem.errors import InvalidInput

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Priced:
    """A line's figures: net unit price, amount, cost and margin."""

    net_price: Decimal
    amount: Decimal
    cost_amount: Decimal

    @property
    def margin(self) -> Decimal:
        return self.amount - self.cost_amount


def money(value: Any, field: str) -> Decimal:
    """``value`` as a non-negative amount in cents, or InvalidInput naming ``field``."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput.field(field, f"'{value}' is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput.field(field, "must be zero or more")
    if amount != amount.quantize(CENT):
        raise InvalidInput.field(field, "has more than two decimal places")
    return amount.quantize(CENT)


def quantity_of(value: Any, field: str = "quantity") -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput.field(field, f"'{value}' is not a whole number") from None
    if number < 1:
        raise InvalidInput.field(field, "must be at least 1")
    if number > 1_000_000:
        raise InvalidInput.field(field, "must be at most 1,000,000")
    return number


def discount_review_percent() -> Decimal:
    return Decimal(str(settings.TANDEM_DISCOUNT_REVIEW_PERCENT))


def discount_max_percent() -> Decimal:
    return Decimal(str(settings.TANDEM_DISCOUNT_MAX_PERCENT))


def discount_of(value: Any, field: str = "discount_percent") -> Decimal:
    """A discount in per cent within policy's maximum, or InvalidInput naming ``field``."""
    if value in (None, ""):
        return Decimal(0)
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput.field(field, f"'{value}' is not a number") from None
    if not percent.is_finite() or percent < 0:
        raise InvalidInput.field(field, "must be zero or more")
    if percent != percent.quantize(CENT):
        raise InvalidInput.field(field, "has more than two decimal places")
    ceiling = discount_max_percent()
    if percent > ceiling:
        raise InvalidInput.field(
            field, f"{percent}% is above the {ceiling}% maximum discount; no review can allow it"
        )
    return percent.quantize(CENT)


def is_discount_flagged(percent: Decimal) -> bool:
    """A discount above the review threshold needs the joint fit review."""
    return percent > discount_review_percent()


def price(
    *, list_price: Decimal, discount_percent: Decimal, quantity: int, unit_cost: Decimal
) -> Priced:
    net = (list_price * (HUNDRED - discount_percent) / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    return Priced(net_price=net, amount=net * quantity, cost_amount=unit_cost * quantity)
