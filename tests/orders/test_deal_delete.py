"""Deleting a deal never strands stock: live orders keep their deal, held stock is released."""

from __future__ import annotations

import pytest

from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.orders import order_services
from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.orders.models import Order, OrderLine, Quote, StockLevel, StockMovement
from tandem.sales import services as sales
from tandem.sales.models import Deal


def _stock(product) -> tuple[int, int, int]:
    row = StockLevel.objects.get(product=product)
    return row.on_hand, row.reserved, row.available


def _ordered(cast, deal, product, quantity: int) -> Order:
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=product.pk, quantity=quantity)
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)
    return quotes.quote_accept(actor=cast.sales_rep, quote=quote)


def test_a_deal_with_a_confirmed_order_is_not_deleted_and_its_stock_stays_reserved(
    cast, catalog, deal
):
    order = _ordered(cast, deal, catalog.gateway, 4)
    assert _stock(catalog.gateway) == (10, 4, 6)

    with pytest.raises(InvalidInput) as refused:
        sales.deal_delete(actor=cast.sales_manager, deal=deal)

    assert refused.value.errors == {
        "deal": f"this deal has orders: {order.number} (confirmed) — cancel a confirmed order "
        "(or have an admin delete one entered in error) before deleting the deal; a shipped, "
        "delivered or invoiced order keeps its deal"
    }
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert _stock(catalog.gateway) == (10, 4, 6)
    assert not AuditEntry.objects.filter(action="delete").exists()


@pytest.mark.parametrize("steps", [1, 3], ids=["shipped", "invoiced"])
def test_a_deal_with_a_shipped_or_invoiced_order_keeps_it(cast, catalog, deal, steps):
    order = _ordered(cast, deal, catalog.gateway, 3)
    for _ in range(steps):
        order = order_services.order_advance(actor=cast.sales_rep, order=order)

    with pytest.raises(InvalidInput) as refused:
        sales.deal_delete(actor=cast.admin, deal=deal)

    assert f"{order.number} ({order.status})" in refused.value.errors["deal"]
    assert Order.objects.filter(pk=order.pk).exists()
    assert _stock(catalog.gateway) == (7, 0, 7)  # shipped units left stock; nothing else moved


def test_after_cancelling_the_order_the_deal_goes_with_its_quotes_and_orders_audited(
    cast, catalog, deal
):
    order = _ordered(cast, deal, catalog.gateway, 4)
    order_services.order_cancel(actor=cast.sales_rep, order=order)
    assert _stock(catalog.gateway) == (10, 0, 10)
    deal_id, quote_id = deal.pk, order.quote_version.quote_id

    sales.deal_delete(actor=cast.sales_manager, deal=deal)

    assert not Deal.objects.filter(pk=deal_id).exists()
    assert not Order.objects.filter(pk=order.pk).exists()
    assert not Quote.objects.filter(pk=quote_id).exists()
    assert _stock(catalog.gateway) == (10, 0, 10)
    deleted = set(
        AuditEntry.objects.filter(action="delete").values_list("record_type", "record_id")
    )
    assert deleted == {
        ("sales.deal", str(deal_id)),
        ("orders.order", str(order.pk)),
        ("orders.quote", str(quote_id)),
    }


def test_stock_a_cancelled_order_still_holds_is_released_when_its_deal_is_deleted(
    cast, catalog, deal
):
    # Given a cancelled order whose lines still hold 4 gateways (written before cancelling
    # released stock, or by an import): the reservation would be stranded by a plain cascade.
    order = _ordered(cast, deal, catalog.gateway, 4)
    Order.objects.filter(pk=order.pk).update(status="cancelled")
    assert _stock(catalog.gateway) == (10, 4, 6)

    sales.deal_delete(actor=cast.admin, deal=deal)

    assert _stock(catalog.gateway) == (10, 0, 10)
    release = StockMovement.objects.get(kind="release")
    assert (release.product, release.reserved_change, release.order) == (
        catalog.gateway,
        -4,
        None,  # the order is gone; the movement stays as stock history, naming it
    )
    assert release.note == order.number
    assert not OrderLine.objects.exists()


def test_a_deal_with_only_an_open_quote_is_deleted_without_touching_stock(cast, catalog, deal):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=2)
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)

    sales.deal_delete(actor=cast.sales_manager, deal=deal)

    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert _stock(catalog.gateway) == (10, 0, 10)
