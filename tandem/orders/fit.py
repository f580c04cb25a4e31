"""The offer-policy fit check: big discounts, non-standard terms, custom items.

Registered in the sales app's fit-check registry (imported from ``OrdersConfig.ready``); a
deal with any of these concerns needs the joint fit review before it can be won.
"""

from __future__ import annotations

from tandem.orders import pricing
from tandem.orders.models import DealLine, DeliveryTerms, PaymentTerms
from tandem.sales.fit import FitConcern, fit_check
from tandem.sales.models import Deal


@fit_check("offer-policy")
def offer_policy(deal: Deal) -> list[FitConcern]:
    """One concern per line that leaves the standard offer, in line order."""
    threshold = pricing.discount_review_percent()
    concerns: list[FitConcern] = []
    for line in DealLine.objects.filter(deal_id=deal.pk).select_related("product"):
        if line.discount_percent > threshold:
            concerns.append(
                FitConcern(
                    "discount",
                    f"{line.product}: {line.discount_percent.normalize():f}% discount is above "
                    f"the {threshold.normalize():f}% review threshold",
                )
            )
        if line.payment_terms != PaymentTerms.STANDARD:
            concerns.append(
                FitConcern(
                    "payment_terms",
                    f"{line.product}: non-standard payment terms "
                    f"({line.get_payment_terms_display()})",
                )
            )
        if line.delivery_terms != DeliveryTerms.STANDARD:
            concerns.append(
                FitConcern(
                    "delivery_terms",
                    f"{line.product}: non-standard delivery terms "
                    f"({line.get_delivery_terms_display()})",
                )
            )
        if line.product.is_custom:
            concerns.append(
                FitConcern("custom_item", f"{line.product}: a custom item outside the catalog")
            )
    return concerns
