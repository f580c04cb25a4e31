"""What the deal line-item editor shows: lines with their flags, totals, the add form, quotes."""

from __future__ import annotations

from typing import Any

from tandem.access import policies
from tandem.orders import pricing, selectors
from tandem.orders.models import DeliveryTerms, PaymentTerms


def deal_lines_context(
    *,
    user: Any,
    deal: Any,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    editing: Any = None,
) -> dict[str, Any]:
    lines = list(selectors.deal_lines(deal=deal))
    can_edit = deal.is_open and policies.can(user, "change", "deal", deal)
    return {
        "deal": deal,
        "lines": [(line, selectors.offer_flags(line)) for line in lines],
        "totals": selectors.totals_of(lines),
        "can_edit": can_edit,
        "can_quote": can_edit and bool(lines) and policies.can(user, "create", "quote", deal),
        "editing": str(editing or ""),
        "products": selectors.products_for_user(user=user) if can_edit else [],
        "payment_terms": PaymentTerms.choices,
        "delivery_terms": DeliveryTerms.choices,
        "errors": errors or {},
        "form": form or {},
        "review_percent": pricing.discount_review_percent(),
        "max_percent": pricing.discount_max_percent(),
        "quotes": selectors.quotes_for_user(user=user, deal_id=deal.pk).prefetch_related(
            "versions"
        ),
        "warnings": selectors.stock_warnings(lines=lines),
    }
