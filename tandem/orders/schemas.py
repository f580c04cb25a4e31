"""Inputs of a deal's lines, one definition each for the deal page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class DealLineIn(BaseModel):
    product_id: int
    quantity: int = Field(1, ge=1, le=1_000_000)
    discount_percent: Decimal = Field(
        Decimal(0), description="Per cent; above the review threshold it is flagged for review."
    )
    payment_terms: str = "standard"
    delivery_terms: str = "standard"


class DealLinePatch(BaseModel):
    quantity: int | None = Field(None, ge=1, le=1_000_000)
    discount_percent: Decimal | None = None
    payment_terms: str | None = None
    delivery_terms: str | None = None
