"""Inputs of a deal's lines, stock and quotes, one definition each for the pages and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field, ValidationInfo, field_validator


class DealLineIn(BaseModel):
    product_id: int
    quantity: int = Field(1, ge=1, le=1_000_000)
    discount_percent: Decimal = Field(
        Decimal(0), description="Per cent; above the review threshold it is flagged for review."
    )
    payment_terms: str = "standard"
    delivery_terms: str = "standard"


# On the deal page a discount sent blank means no discount (0); in the API a missing one means
# "unchanged". The page's view keeps that difference; the schema is the same.
class DealLinePatch(BaseModel):
    quantity: int | None = Field(None, ge=1, le=1_000_000)
    discount_percent: Decimal | None = None
    payment_terms: str | None = None
    delivery_terms: str | None = None


class QuoteAcceptIn(BaseModel):
    backorder_line_ids: list[int] = Field(
        default_factory=list,
        description="Lines (of the latest version) whose shortfall the buyer accepts as a "
        "backorder; any other line stock cannot cover refuses the order.",
    )


# The product page's two stock forms: goods received (``quantity``) or a count (``on_hand``).
class StockChangeIn(BaseModel):
    action: str = "receive"
    quantity: int | None = Field(None, validate_default=True)
    on_hand: int | None = Field(None, validate_default=True)
    note: str = ""

    @field_validator("quantity", "on_hand")
    @classmethod
    def _needed_by_its_form(cls, value: int | None, info: ValidationInfo) -> int | None:
        wanted = "on_hand" if info.data.get("action") == "count" else "quantity"
        if value is None and info.field_name == wanted:
            raise ValueError("is required")
        return value
