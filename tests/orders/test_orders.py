"""Orders: an accepted quote reserves stock, backorders are explicit, fulfilment, repeat orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.orders import order_services, selectors
from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.orders.models import Order, Quote, StockLevel, StockMovement
from tandem.sales.models import Deal


def _stock(product) -> tuple[int, int, int]:
    row = StockLevel.objects.get(product=product)
    return row.on_hand, row.reserved, row.available


def _quoted(cast, deal, *lines):
    for product, quantity in lines:
        orders.deal_line_add(
            actor=cast.sales_rep, deal=deal, product_id=product.pk, quantity=quantity
        )
    return quotes.quote_create(actor=cast.sales_rep, deal=deal)


def test_accepting_a_quote_places_an_order_that_reserves_stock_and_wins_the_deal(
    cast, catalog, deal
):
    quote = _quoted(cast, deal, (catalog.gateway, 4), (catalog.licence, 5))

    order = quotes.quote_accept(actor=cast.sales_rep, quote=quote)

    year = timezone.localdate().year
    assert (order.number, order.status, order.amount, order.is_repeat) == (
        f"O-{year}-0001",
        "confirmed",
        Decimal("11600.00"),
        False,
    )
    assert [(line.product.sku, line.reserved, line.backordered) for line in order.lines.all()] == [
        ("EG-3", 4, 0),
        ("PMS-LIC", 0, 0),  # a licence is not stocked: nothing to reserve
    ]
    assert _stock(catalog.gateway) == (10, 4, 6)
    assert Quote.objects.get(pk=quote.pk).status == "accepted"
    deal = Deal.objects.select_related("stage").get(pk=deal.pk)
    assert (deal.stage.outcome, deal.amount, deal.cost_amount) == (
        "won",
        Decimal("11600.00"),
        Decimal("4580.00"),
    )
    movement = StockMovement.objects.get(kind="reservation")
    assert (movement.product, movement.reserved_change, movement.order) == (
        catalog.gateway,
        4,
        order,
    )


def test_a_quantity_beyond_stock_is_refused_without_a_backorder_choice(cast, catalog, deal):
    quote = _quoted(cast, deal, (catalog.gateway, 12))

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_accept(actor=cast.sales_rep, quote=quote)

    assert refused.value.errors == {
        "backorder_line_ids": "Edge Gateway 3: 12 wanted, 10 available — lower the quantity or "
        "accept a backorder of 2"
    }
    assert not Order.objects.exists()
    assert _stock(catalog.gateway) == (10, 0, 10)
    assert Quote.objects.get(pk=quote.pk).status == "open"
    assert Deal.objects.get(pk=deal.pk).stage.outcome == "open"


def test_a_backorder_is_recorded_on_the_line_and_filled_when_stock_arrives(cast, catalog, deal):
    quote = _quoted(cast, deal, (catalog.gateway, 12))
    line = quote.versions.get().lines.get()

    order = quotes.quote_accept(actor=cast.sales_rep, quote=quote, backorder_line_ids=[line.pk])

    ordered = order.lines.get()
    assert (ordered.reserved, ordered.backordered) == (10, 2)
    assert _stock(catalog.gateway) == (10, 10, 0)  # never reserved beyond what is on hand
    with pytest.raises(InvalidInput) as refused:
        order_services.order_advance(actor=cast.sales_rep, order=order)
    assert refused.value.errors == {"status": "waiting for backordered units: 2 × Edge Gateway 3"}

    # when 5 gateways arrive and the rep fills the backorder
    orders.stock_receive(actor=cast.sales_manager, product=catalog.gateway, quantity=5)
    order_services.order_backorders_fill(actor=cast.sales_rep, order=order)

    ordered.refresh_from_db()
    assert (ordered.reserved, ordered.backordered) == (12, 0)
    assert _stock(catalog.gateway) == (15, 12, 3)


def test_a_backorder_choice_for_a_line_of_another_quote_is_refused(cast, catalog, deal):
    quote = _quoted(cast, deal, (catalog.gateway, 1))

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_accept(actor=cast.sales_rep, quote=quote, backorder_line_ids=[999999])
    assert refused.value.errors == {"backorder_line_ids": "not lines of this version: [999999]"}


def test_fulfilment_runs_confirmed_shipped_delivered_invoiced(cast, catalog, deal):
    order = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, deal, (catalog.gateway, 4), (catalog.sensor, 30))
    )

    steps = []
    for _ in range(3):
        order = order_services.order_advance(actor=cast.sales_rep, order=order)
        steps.append(order.status)

    assert steps == ["shipped", "delivered", "invoiced"]
    assert order.shipped_at and order.delivered_at and order.invoiced_at
    # shipping turned the reservations into stock decreases
    assert _stock(catalog.gateway) == (6, 0, 6)
    assert _stock(catalog.sensor) == (70, 0, 70)
    assert sorted(
        StockMovement.objects.filter(kind="shipment").values_list("on_hand_change", flat=True)
    ) == [-30, -4]
    with pytest.raises(InvalidInput) as refused:
        order_services.order_advance(actor=cast.sales_rep, order=order)
    assert refused.value.errors == {"status": f"{order.number} is invoiced: no next step"}


def test_cancelling_releases_the_reservations(cast, catalog, deal):
    order = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, deal, (catalog.gateway, 4))
    )

    order_services.order_cancel(actor=cast.sales_rep, order=order)

    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert _stock(catalog.gateway) == (10, 0, 10)
    assert order.lines.get().reserved == 0
    assert StockMovement.objects.get(kind="release").reserved_change == -4


def test_a_shipped_order_cannot_be_cancelled(cast, catalog, deal):
    order = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, deal, (catalog.gateway, 4))
    )
    order_services.order_advance(actor=cast.sales_rep, order=order)

    with pytest.raises(InvalidInput):
        order_services.order_cancel(actor=cast.sales_rep, order=order)
    assert _stock(catalog.gateway) == (6, 0, 6)


def test_an_order_from_an_account_that_already_bought_is_a_repeat_order(
    cast, catalog, deal, deal_for
):
    first = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, deal, (catalog.sensor, 10))
    )
    # an order placed before the first one was delivered is not yet a repeat
    early = deal_for(account=deal.account, name="Acme — more sensors")
    second = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, early, (catalog.sensor, 5))
    )
    for _ in range(2):
        first = order_services.order_advance(actor=cast.sales_rep, order=first)
    later = deal_for(account=deal.account, name="Acme — expansion")
    third = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, later, (catalog.sensor, 20))
    )
    stranger = quotes.quote_accept(
        actor=cast.sales_rep, quote=_quoted(cast, deal_for(name="Bolt"), (catalog.sensor, 1))
    )

    assert [o.is_repeat for o in (first, second, third, stranger)] == [False, False, True, False]
    order_services.order_advance(actor=cast.sales_rep, order=third)
    order_services.order_advance(actor=cast.sales_rep, order=third)
    assert selectors.repeat_order_revenue(account_id=deal.account_id) == Decimal("4800.00")


def test_a_quote_is_accepted_once(cast, catalog, deal):
    quote = _quoted(cast, deal, (catalog.sensor, 1))
    quotes.quote_accept(actor=cast.sales_rep, quote=quote)

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_accept(actor=cast.sales_rep, quote=Quote.objects.get(pk=quote.pk))
    assert refused.value.errors == {"quote": f"{quote.number} is accepted"}
    assert Order.objects.count() == 1


def test_when_the_deal_cannot_be_won_nothing_is_kept(cast, catalog, deal, monkeypatch):
    # given the sales services refuse to win the deal (as the fit review does when it blocks)
    def blocked(**kwargs):
        raise InvalidInput.field("stage", "this deal needs a fit review decision before it is won")

    monkeypatch.setattr(order_services.sales, "deal_close_won", blocked)
    quote = _quoted(cast, deal, (catalog.gateway, 4))

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_accept(actor=cast.sales_rep, quote=quote)

    assert "fit review" in refused.value.errors["stage"]
    assert not Order.objects.exists()
    assert _stock(catalog.gateway) == (10, 0, 10)
    assert Quote.objects.get(pk=quote.pk).status == "open"


def test_an_expired_quote_cannot_be_accepted(cast, catalog, deal):
    quote = _quoted(cast, deal, (catalog.sensor, 1))
    quote.versions.update(valid_until=timezone.localdate() - dt.timedelta(days=1))

    with pytest.raises(InvalidInput) as refused:
        quotes.quote_accept(actor=cast.sales_rep, quote=quote)
    assert "expired" in refused.value.errors["quote"]


@pytest.mark.parametrize("who", ["teammate_rep", "other_team_rep", "marketer", "leadership"])
def test_others_cannot_accept_or_advance_a_reps_order(cast, catalog, deal, who):
    quote = _quoted(cast, deal, (catalog.gateway, 1))
    with pytest.raises(PermissionDenied):
        quotes.quote_accept(actor=cast.by_role(who), quote=quote)
    order = quotes.quote_accept(actor=cast.sales_rep, quote=quote)

    with pytest.raises(PermissionDenied):
        order_services.order_advance(actor=cast.by_role(who), order=order)
    with pytest.raises(PermissionDenied):
        order_services.order_cancel(actor=cast.by_role(who), order=order)
    assert Order.objects.get(pk=order.pk).status == "confirmed"


def test_order_lists_follow_the_deal_owner(cast, catalog, deal, deal_for):
    mine = quotes.quote_accept(actor=cast.sales_rep, quote=_quoted(cast, deal, (catalog.sensor, 1)))
    south = deal_for(owner=cast.other_team_rep, name="South deal")
    orders.deal_line_add(actor=cast.other_team_rep, deal=south, product_id=catalog.sensor.pk)
    theirs = quotes.quote_accept(
        actor=cast.other_team_rep, quote=quotes.quote_create(actor=cast.other_team_rep, deal=south)
    )

    def seen(user):
        return set(selectors.orders_for_user(user=user))

    assert seen(cast.sales_rep) == {mine}
    assert seen(cast.teammate_rep) == set()
    assert seen(cast.sales_manager) == {mine}
    assert seen(cast.marketer) == {mine, theirs}
    assert seen(cast.employee) == set()
