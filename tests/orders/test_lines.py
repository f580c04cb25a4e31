"""Deal line items: exact money, discount limits, terms, and the deal's amount and cost."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.orders import pricing
from tandem.orders import services as orders
from tandem.orders.models import DealLine
from tandem.sales import services as sales
from tandem.sales.models import Deal


def test_a_line_is_priced_from_the_price_list_and_sets_the_deals_amount_and_cost(
    cast, catalog, deal
):
    # when the rep adds 3 gateways at 10% off and 40 sensors at list price
    gateways = orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.gateway.pk,
        quantity=3,
        discount_percent="10",
    )
    sensors = orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, quantity=40
    )

    # then the gateway is priced from the default list (1400, not the product's 1450)
    assert (gateways.list_price, gateways.net_price, gateways.amount) == (
        Decimal("1400.00"),
        Decimal("1260.00"),
        Decimal("3780.00"),
    )
    assert (gateways.cost_amount, gateways.margin) == (Decimal("2460.00"), Decimal("1320.00"))
    assert gateways.price_list == catalog.price_list
    # the sensor is not on the list: the product's own list price applies
    assert (sensors.list_price, sensors.amount, sensors.price_list) == (
        Decimal("240.00"),
        Decimal("9600.00"),
        None,
    )
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.amount, deal.cost_amount) == (Decimal("13380.00"), Decimal("5260.00"))


def test_the_net_unit_price_is_rounded_half_up_once_and_the_amount_is_exact(cast, catalog, deal):
    # 240.00 at 12.33% off is 210.408: the unit price is 210.41
    line = orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.sensor.pk,
        quantity=7,
        discount_percent="12.33",
    )

    assert line.net_price == Decimal("210.41")
    assert line.amount == Decimal("1472.87")  # 210.41 × 7, no further rounding


def test_half_a_cent_rounds_up(cast, catalog, deal):
    orders.price_set(
        actor=cast.admin, price_list=catalog.price_list, product=catalog.sensor, price="0.05"
    )

    # 0.05 at 10% off is 0.045
    line = orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.sensor.pk,
        quantity=3,
        discount_percent="10",
    )

    assert (line.net_price, line.amount) == (Decimal("0.05"), Decimal("0.15"))


@settings(max_examples=200, deadline=None)
@given(
    cents=st.integers(min_value=0, max_value=10**9),
    discount_hundredths=st.integers(min_value=0, max_value=3000),
    quantity=st.integers(min_value=1, max_value=10_000),
)
def test_pricing_is_exact_decimal_arithmetic(cents, discount_hundredths, quantity):
    list_price = Decimal(cents) / 100
    discount = Decimal(discount_hundredths) / 100

    figures = pricing.price(
        list_price=list_price, discount_percent=discount, quantity=quantity, unit_cost=Decimal("1")
    )

    # the net price is the exact discounted price rounded half-up to the cent
    exact = list_price * (100 - discount) / 100
    assert abs(figures.net_price - exact) <= Decimal("0.005")
    assert figures.net_price == figures.net_price.quantize(Decimal("0.01"))
    assert figures.amount == figures.net_price * quantity
    assert figures.margin == figures.amount - quantity


@pytest.mark.parametrize(
    ("discount", "flagged"),
    [("0", False), ("15", False), ("15.01", True), ("30", True)],
    ids=["none", "at-threshold", "just-above-threshold", "at-maximum"],
)
def test_a_discount_up_to_the_maximum_is_kept_and_above_the_threshold_flagged(
    cast, catalog, deal, discount, flagged
):
    line = orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.sensor.pk,
        quantity=1,
        discount_percent=discount,
    )

    assert line.discount_percent == Decimal(discount)
    assert pricing.is_discount_flagged(line.discount_percent) is flagged


@pytest.mark.parametrize(
    ("discount", "message"),
    [
        ("30.01", "30.01% is above the 30% maximum discount; no review can allow it"),
        ("-1", "must be zero or more"),
        ("ten", "'ten' is not a number"),
        ("10.001", "has more than two decimal places"),
    ],
    ids=["above-maximum", "negative", "not-a-number", "too-precise"],
)
def test_a_discount_outside_the_allowed_range_is_refused_naming_the_field(
    cast, catalog, deal, discount, message
):
    with pytest.raises(InvalidInput) as refused:
        orders.deal_line_add(
            actor=cast.sales_rep,
            deal=deal,
            product_id=catalog.sensor.pk,
            quantity=1,
            discount_percent=discount,
        )

    assert refused.value.errors == {"discount_percent": message}
    assert not DealLine.objects.exists()
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("0.00")


def test_the_maximum_discount_is_a_setting(cast, catalog, deal, settings):
    settings.TANDEM_DISCOUNT_MAX_PERCENT = "20"

    with pytest.raises(InvalidInput) as refused:
        orders.deal_line_add(
            actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, discount_percent="25"
        )

    assert "above the 20% maximum" in refused.value.errors["discount_percent"]


def test_raising_a_discount_above_the_maximum_on_an_existing_line_is_refused(cast, catalog, deal):
    line = orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, quantity=10
    )

    with pytest.raises(InvalidInput):
        orders.deal_line_update(actor=cast.sales_rep, line=line, discount_percent="45")

    line.refresh_from_db()
    assert (line.discount_percent, line.amount) == (Decimal("0.00"), Decimal("2400.00"))


def test_updating_and_removing_lines_recomputes_the_deal(cast, catalog, deal):
    sensors = orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, quantity=10
    )
    licence = orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.licence.pk, quantity=2
    )

    orders.deal_line_update(actor=cast.sales_rep, line=sensors, quantity=20, discount_percent="5")
    deal.refresh_from_db()
    assert (deal.amount, deal.cost_amount) == (Decimal("6960.00"), Decimal("1920.00"))

    orders.deal_line_remove(actor=cast.sales_rep, line=licence)
    deal.refresh_from_db()
    assert (deal.amount, deal.cost_amount) == (Decimal("4560.00"), Decimal("1400.00"))

    orders.deal_line_remove(actor=cast.sales_rep, line=sensors)
    deal.refresh_from_db()
    assert (deal.amount, deal.cost_amount) == (Decimal("0.00"), None)


def test_every_line_change_is_audited(cast, catalog, deal):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    orders.deal_line_update(actor=cast.sales_rep, line=line, quantity=2)
    orders.deal_line_remove(actor=cast.sales_rep, line=line)

    entries = AuditEntry.objects.filter(record_type="orders.dealline").order_by("id")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].changes["quantity"] == [1, 2]


def test_terms_default_to_standard_and_unknown_terms_are_refused(cast, catalog, deal):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    assert (line.payment_terms, line.delivery_terms, line.has_standard_terms) == (
        "standard",
        "standard",
        True,
    )

    orders.deal_line_update(actor=cast.sales_rep, line=line, payment_terms="net_90")
    assert line.has_standard_terms is False

    with pytest.raises(InvalidInput) as refused:
        orders.deal_line_update(actor=cast.sales_rep, line=line, delivery_terms="teleport")
    assert list(refused.value.errors) == ["delivery_terms"]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("0", "must be at least 1"), ("2.5", "'2.5' is not a whole number")],
    ids=["zero", "fraction"],
)
def test_a_bad_quantity_is_refused_naming_the_field(cast, catalog, deal, quantity, message):
    with pytest.raises(InvalidInput) as refused:
        orders.deal_line_add(
            actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, quantity=quantity
        )
    assert refused.value.errors == {"quantity": message}


def test_an_inactive_product_cannot_be_added(cast, catalog, deal):
    orders.product_update(actor=cast.sales_manager, product=catalog.sensor, is_active=False)

    with pytest.raises(InvalidInput) as refused:
        orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    assert refused.value.errors == {"product": "Fleet Monitor sensor is no longer sold"}


def test_a_closed_deals_lines_are_final(cast, catalog, deal):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    sales.deal_close_lost(actor=cast.sales_rep, deal=deal, reason="price")

    with pytest.raises(InvalidInput) as refused:
        orders.deal_line_update(actor=cast.sales_rep, line=line, quantity=5)
    assert refused.value.errors == {"deal": "this deal is lost: its lines are final"}


@pytest.mark.parametrize("who", ["teammate_rep", "other_team_rep", "marketer", "employee"])
def test_only_the_deals_owner_or_their_manager_edits_its_lines(cast, catalog, deal, who):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)

    with pytest.raises(PermissionDenied):
        orders.deal_line_add(actor=cast.by_role(who), deal=deal, product_id=catalog.sensor.pk)
    with pytest.raises(PermissionDenied):
        orders.deal_line_update(actor=cast.by_role(who), line=line, quantity=99)
    with pytest.raises(PermissionDenied):
        orders.deal_line_remove(actor=cast.by_role(who), line=line)

    line.refresh_from_db()
    assert (DealLine.objects.count(), line.quantity) == (1, 1)


def test_the_sales_manager_of_the_reps_team_edits_their_lines(cast, catalog, deal):
    line = orders.deal_line_add(
        actor=cast.sales_manager, deal=deal, product_id=catalog.sensor.pk, quantity=2
    )

    assert line.deal.owner == cast.sales_rep
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("480.00")
