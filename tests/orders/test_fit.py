"""The offer-policy fit check registered in the sales registry."""

from __future__ import annotations

from tandem.orders import services as orders
from tandem.sales.fit import FitConcern, deal_fit_concerns


def test_a_standard_offer_raises_no_concern(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.sensor.pk,
        quantity=10,
        discount_percent="15",
    )

    assert deal_fit_concerns(deal) == []


def test_discounts_terms_and_custom_items_leave_the_policy(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, discount_percent="22.5"
    )
    orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.gateway.pk,
        payment_terms="net_90",
        delivery_terms="staged",
    )
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.custom.pk)

    assert deal_fit_concerns(deal) == [
        FitConcern(
            "discount",
            "Fleet Monitor sensor: 22.5% discount is above the 15% review threshold",
        ),
        FitConcern("payment_terms", "Edge Gateway 3: non-standard payment terms (90 days net)"),
        FitConcern(
            "delivery_terms", "Edge Gateway 3: non-standard delivery terms (Staged rollout)"
        ),
        FitConcern("custom_item", "Custom PLC bridge: a custom item outside the catalog"),
    ]


def test_the_review_threshold_is_a_setting(cast, catalog, deal, settings):
    settings.TANDEM_DISCOUNT_REVIEW_PERCENT = "5"
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, discount_percent="10"
    )

    assert [c.code for c in deal_fit_concerns(deal)] == ["discount"]
