"""Races on PostgreSQL: quote numbers stay gap-free and stock is never oversold.

SQLite runs one writer at a time (and the test database lives in memory, one connection per
thread cannot share it), so these races only exist — and are only tested — on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.orders.models import Order, OrderLine, Quote, StockLevel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent writers need PostgreSQL; SQLite serialises writers",
    ),
]

THREADS = 8


def _race(work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in THREADS threads released at the same moment; results or errors."""
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 — the test inspects what each thread met
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_quote_numbers_under_concurrency_are_unique_and_gap_free(cast, catalog, deal_for):
    deals = [deal_for(name=f"Deal {i}") for i in range(THREADS)]
    for deal in deals:
        orders.deal_line_add(actor=cast.admin, deal=deal, product_id=catalog.sensor.pk)

    results = _race(lambda i: quotes.quote_create(actor=cast.admin, deal=deals[i]).number)

    year = timezone.localdate().year
    assert sorted(results) == [f"Q-{year}-{n:04d}" for n in range(1, THREADS + 1)]
    assert Quote.objects.count() == THREADS


def test_threads_racing_for_the_last_units_never_oversell(cast, catalog, deal_for):
    # given 10 gateways in stock and eight buyers wanting 3 each
    quotes_made = []
    for i in range(THREADS):
        deal = deal_for(name=f"Buyer {i}")
        orders.deal_line_add(actor=cast.admin, deal=deal, product_id=catalog.gateway.pk, quantity=3)
        orders.deal_line_add(actor=cast.admin, deal=deal, product_id=catalog.sensor.pk, quantity=1)
        quotes_made.append(quotes.quote_create(actor=cast.admin, deal=deal))

    # when they all accept at once, with no backorders allowed
    results = _race(lambda i: quotes.quote_accept(actor=cast.admin, quote=quotes_made[i]))

    # then exactly three orders got 3 each; the others were refused for stock, nothing else
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert (len(placed), len(refused)) == (3, THREADS - 3), results
    assert all("backorder_line_ids" in r.errors for r in refused)
    gateways = StockLevel.objects.get(product=catalog.gateway)
    assert (gateways.on_hand, gateways.reserved) == (10, 9)
    assert (
        sum(OrderLine.objects.filter(product=catalog.gateway).values_list("reserved", flat=True))
        == 9
    )
    assert StockLevel.objects.get(product=catalog.sensor).reserved == 3


def test_racing_backorders_split_the_stock_exactly(cast, catalog, deal_for):
    quotes_made = []
    for i in range(THREADS):
        deal = deal_for(name=f"Buyer {i}")
        orders.deal_line_add(actor=cast.admin, deal=deal, product_id=catalog.gateway.pk, quantity=3)
        quotes_made.append(quotes.quote_create(actor=cast.admin, deal=deal))

    results = _race(
        lambda i: quotes.quote_accept(
            actor=cast.admin,
            quote=quotes_made[i],
            backorder_line_ids=[quotes_made[i].versions.get().lines.get().pk],
        )
    )

    assert all(isinstance(r, Order) for r in results), results
    lines = OrderLine.objects.filter(product=catalog.gateway)
    assert sum(line.reserved for line in lines) == 10
    assert sum(line.backordered for line in lines) == 3 * THREADS - 10
    assert StockLevel.objects.get(product=catalog.gateway).reserved == 10
