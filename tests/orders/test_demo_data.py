"""The demo company's catalog, line items, quotes and orders agree with the orders rules."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from tandem.orders.models import (
    DealLine,
    DocumentSequence,
    Order,
    OrderLine,
    Product,
    Quote,
    StockLevel,
)
from tandem.sales.models import Deal
from tests.demo.conftest import demo  # noqa: F401  (fixture)


def test_the_demo_sells_from_its_catalog_and_the_numbers_agree(demo):  # noqa: F811
    result = demo()

    # the catalog: sensors, gateways, licences, installation service, one custom item
    assert Product.objects.count() == 11 == result.counts["products"]
    assert set(Product.objects.filter(is_stocked=True).values_list("sku", flat=True)) == {
        "KST-FM-100",
        "KST-EG3",
        "KST-CCT-TAG",
    }
    # every new-business deal's amount and cost are the sum of its lines (renewals, added by
    # the sales demo, carry their amount from the contract they renew)
    new_business = Deal.objects.exclude(pipeline__name="Renewals")
    sums = {
        row["deal_id"]: (row["amount"], row["cost"])
        for row in DealLine.objects.values("deal_id").annotate(
            amount=Sum("amount"), cost=Sum("cost_amount")
        )
    }
    assert new_business.exists()
    assert len(sums) == new_business.count()
    for deal in new_business:
        assert sums[deal.pk] == (deal.amount, deal.cost_amount), deal.name
    # every won deal has one order, every order an accepted quote
    won = set(Deal.objects.filter(stage__outcome="won").values_list("pk", flat=True))
    assert set(Order.objects.values_list("deal_id", flat=True)) == won
    assert Quote.objects.filter(status="accepted").count() == len(won)
    # quote numbers per year run 1..n without gaps
    numbers = defaultdict(list)
    for year, sequence in Quote.objects.values_list("year", "sequence"):
        numbers[year].append(sequence)
    for year, sequences in numbers.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
        assert DocumentSequence.objects.get(kind="quote", year=year).last_number == len(sequences)
    # stock: what confirmed orders hold is what the stock rows say is reserved
    stocked = StockLevel.objects.filter(product__is_stocked=True)
    assert stocked.exists()
    for stock in stocked:
        held = OrderLine.objects.filter(product=stock.product, order__status="confirmed").aggregate(
            total=Sum("reserved")
        )["total"]
        assert stock.reserved == (held or 0) <= stock.on_hand
    # some orders are repeat orders, and each has an earlier delivered order of its account
    repeats = Order.objects.filter(is_repeat=True)
    assert repeats.exists()
    for order in repeats:
        assert Order.objects.filter(
            account_id=order.account_id, delivered_at__lte=order.confirmed_at
        ).exists()


def test_the_demo_orders_are_deterministic(demo):  # noqa: F811
    demo(seed=7)
    first = list(Order.objects.order_by("number").values_list("number", "amount", "status"))
    Deal.objects.all().delete()
    from tandem.people.models import Account, Contact

    Contact.objects.all().delete()
    Account.objects.all().delete()

    demo(seed=7)

    again = list(Order.objects.order_by("number").values_list("number", "amount", "status"))
    assert len(first) > 5
    assert [(a, s) for _, a, s in again] == [(a, s) for _, a, s in first]
