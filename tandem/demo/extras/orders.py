"""Demo records for orders: Kestrel's catalog and stock, line items, quotes and orders.

Each demo deal is named after what it sells ("Acme GmbH — Edge Gateway 3, 12 gateways"), so
its line item is read back from the name; the discount is the one the journey priced it at.
Deals that reached a proposal get a quote (some a second version), won deals an order whose
fulfilment has moved on with its age; an account's order after an earlier one was delivered is
a repeat order. Stock is opened with enough units for what was sold, the gateways kept short
so open quotes show the stock warning. Written with batched inserts, like the generator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Min, Sum

from tandem.demo import catalog
from tandem.demo.extras.context import DemoContext
from tandem.orders import pricing
from tandem.orders.models import (
    DealLine,
    DeliveryTerms,
    DocumentSequence,
    Order,
    OrderLine,
    OrderStatus,
    PaymentTerms,
    PriceList,
    PriceListItem,
    Product,
    Quote,
    QuoteLine,
    QuoteVersion,
    StockLevel,
    StockMovement,
)
from tandem.sales.models import Deal, PipelineStage

# (catalog name, SKU, description, stocked, units on hand beyond what was sold)
CATALOG = (
    ("Fleet Monitor", "KST-FM-100", "Wireless vibration and temperature sensor", True, 420),
    ("Edge Gateway 3", "KST-EG3", "Industrial LTE/Wi-Fi gateway for up to 200 sensors", True, 6),
    (
        "Predictive Maintenance Suite",
        "KST-PMS-LIC",
        "Software licence per machine, a year",
        False,
        0,
    ),
    ("Energy Insight", "KST-EI-LIC", "Energy analytics licence per site, a year", False, 0),
    ("OEE Dashboard", "KST-OEE-LIC", "OEE software licence per production line, a year", False, 0),
    (
        "Cold Chain Tracker",
        "KST-CCT-TAG",
        "Temperature logging tag with 5-year battery",
        True,
        1500,
    ),
    ("Water Network Analytics", "KST-WNA-LIC", "Licence per pumping station, a year", False, 0),
    (
        "Implementation services",
        "KST-SVC-INST",
        "Installation and commissioning, per day",
        False,
        0,
    ),
    ("Premium Support", "KST-SUP-PREM", "24/7 support with a named engineer, a year", False, 0),
    ("Operator training", "KST-TRN-SEAT", "One seat in an on-site operator course", False, 0),
)
CUSTOM = ("Custom PLC integration", "KST-CUST-PLC", "One-off bridge to a legacy PLC")
DISCOUNTS = (
    Decimal(0),
    Decimal(5),
    Decimal("7.5"),
    Decimal(10),
    Decimal("12.5"),
    Decimal(15),
    Decimal(20),
)
MAX_DEALS = 20_000  # the most recent deals get lines: enough for any page, quick at a million


def _products() -> dict[str, Product]:
    by_name = {p.name: p for p in catalog.PRODUCTS + catalog.ADD_ONS}
    made: dict[str, Product] = {}
    for name, sku, description, stocked, _ in CATALOG:
        source = by_name[name]
        made[name], _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "description": description,
                "unit": source.unit,
                "unit_cost": source.unit_cost,
                "list_price": source.list_price,
                "is_stocked": stocked,
            },
        )
    made[CUSTOM[0]], _ = Product.objects.get_or_create(
        sku=CUSTOM[1],
        defaults={
            "name": CUSTOM[0],
            "description": CUSTOM[2],
            "unit": "projects",
            "unit_cost": Decimal("6500.00"),
            "list_price": Decimal("9800.00"),
            "is_custom": True,
            "is_stocked": False,
        },
    )
    for product in made.values():
        StockLevel.objects.get_or_create(product=product)
    return made


def _price_list(context: DemoContext, products: dict[str, Product]) -> PriceList:
    price_list = PriceList.objects.filter(is_default=True).first()
    if price_list is None:
        start = (context.now - dt.timedelta(days=31 * context.months)).date().replace(day=1)
        price_list = PriceList.objects.create(
            name=f"Kestrel list {context.now.year}", valid_from=start, is_default=True
        )
        PriceListItem.objects.bulk_create(
            PriceListItem(price_list=price_list, product=p, price=p.list_price)
            for p in products.values()
        )
        partner = PriceList.objects.create(
            name="Channel partners", valid_from=start, currency="EUR"
        )
        PriceListItem.objects.bulk_create(
            PriceListItem(
                price_list=partner,
                product=p,
                price=(p.list_price * Decimal("0.85")).quantize(pricing.CENT),
            )
            for p in products.values()
        )
    return price_list


def _parse(name: str, products: dict[str, Product]) -> tuple[Product, int] | None:
    """'Acme — Edge Gateway 3 expansion, 12 gateways' → (Edge Gateway 3, 12)."""
    _, _, what = name.rpartition(" — ")
    label, _, amount = what.rpartition(", ")
    label = label.removesuffix(" expansion")
    product = products.get(label)
    try:
        quantity = int(amount.split(" ", 1)[0])
    except ValueError:
        return None
    return (product, quantity) if product is not None and quantity > 0 else None


def _discount(deal_amount: Decimal, list_total: Decimal) -> Decimal:
    if list_total <= 0:
        return Decimal(0)
    given = (1 - deal_amount / list_total) * 100
    return min(DISCOUNTS, key=lambda d: abs(d - given))


def _line(product: Product, quantity: int, discount: Decimal, **extra: Any) -> DealLine:
    figures = pricing.price(
        list_price=product.list_price,
        discount_percent=discount,
        quantity=quantity,
        unit_cost=product.unit_cost,
    )
    return DealLine(
        product=product,
        quantity=quantity,
        list_price=product.list_price,
        discount_percent=discount,
        net_price=figures.net_price,
        unit_cost=product.unit_cost,
        amount=figures.amount,
        cost_amount=figures.cost_amount,
        **extra,
    )


COPY = (
    "product_id",
    "quantity",
    "list_price",
    "discount_percent",
    "net_price",
    "unit_cost",
    "amount",
    "cost_amount",
    "payment_terms",
    "delivery_terms",
    "position",
)


def orders_demo(context: DemoContext) -> dict[str, int]:
    rng = context.rng
    products = _products()
    price_list = _price_list(context, products)
    install = products["Implementation services"]
    deals = list(
        Deal.objects.filter(lines__isnull=True).select_related("stage").order_by("-id")[:MAX_DEALS]
    )
    deals.reverse()
    lines: list[DealLine] = []
    per_deal: dict[int, list[DealLine]] = defaultdict(list)
    for deal in deals:
        parsed = _parse(deal.name, products)
        if parsed is None:
            continue
        product, quantity = parsed
        discount = _discount(deal.amount, product.list_price * quantity)
        payment = PaymentTerms.STANDARD
        delivery = DeliveryTerms.STANDARD
        roll = rng.random()
        if roll < 0.06:
            payment = rng.choice(
                (PaymentTerms.NET_60, PaymentTerms.NET_90, PaymentTerms.INSTALMENTS)
            )
        elif roll < 0.09:
            delivery = rng.choice((DeliveryTerms.EXPRESS, DeliveryTerms.STAGED))
        made = [
            _line(
                product,
                quantity,
                discount,
                deal=deal,
                price_list=price_list,
                payment_terms=payment,
                delivery_terms=delivery,
                position=1,
            )
        ]
        open_and_far = deal.stage.outcome == PipelineStage.Outcome.OPEN and deal.stage.position >= 1
        if product.is_stocked and open_and_far and rng.random() < 0.6:
            days = max(1, quantity // 40)
            made.append(
                _line(install, days, Decimal(0), deal=deal, price_list=price_list, position=2)
            )
        if open_and_far and rng.random() < 0.04:
            made.append(
                _line(
                    products[CUSTOM[0]], 1, Decimal(0), deal=deal, price_list=price_list, position=3
                )
            )
        per_deal[deal.pk] = made
        lines += made
    DealLine.objects.bulk_create(lines, batch_size=2000)
    for deal in deals:
        if per_deal.get(deal.pk):
            made = per_deal[deal.pk]
            deal.amount = sum((ln.amount for ln in made), Decimal("0.00"))
            deal.cost_amount = sum((ln.cost_amount for ln in made), Decimal("0.00"))
    Deal.objects.bulk_update(
        [d for d in deals if d.pk in per_deal], ["amount", "cost_amount"], batch_size=2000
    )

    quoted = _quotes(context, [d for d in deals if d.pk in per_deal], per_deal)
    written = _orders(context, quoted, products)
    _stock(context, products, written.pop("_shipped"), written.pop("_reserved"))
    return {"products": len(products), "deal_lines": len(lines), "quotes": len(quoted), **written}


def _quotes(
    context: DemoContext, deals: list[Deal], per_deal: dict[int, list[DealLine]]
) -> list[tuple[Deal, QuoteVersion, list[DealLine]]]:
    """A quote for each deal past discovery, dated 60% into its life; numbered per year."""
    rng = context.rng
    candidates = []
    for deal in deals:
        if deal.stage.outcome == PipelineStage.Outcome.LOST and rng.random() < 0.5:
            continue
        if deal.stage.outcome == PipelineStage.Outcome.OPEN and deal.stage.position == 0:
            continue
        end = deal.closed_at or context.now
        at = deal.created_at + (end - deal.created_at) * 0.6
        candidates.append((at, deal))
    candidates.sort(key=lambda c: (c[0], c[1].pk))
    last = {row.year: row.last_number for row in DocumentSequence.objects.filter(kind="quote")}
    quotes: list[Quote] = []
    for at, deal in candidates:
        year = at.year
        last[year] = last.get(year, 0) + 1
        status = {
            PipelineStage.Outcome.WON: Quote.Status.ACCEPTED,
            PipelineStage.Outcome.LOST: Quote.Status.DECLINED,
        }.get(PipelineStage.Outcome(deal.stage.outcome), Quote.Status.OPEN)
        quotes.append(
            Quote(
                deal=deal,
                number=f"Q-{year}-{last[year]:04d}",
                year=year,
                sequence=last[year],
                status=status,
                created_by_id=deal.owner_id,
                created_at=at,
            )
        )
    Quote.objects.bulk_create(quotes, batch_size=2000)
    for year, number in last.items():
        DocumentSequence.objects.update_or_create(
            kind="quote", year=year, defaults={"last_number": number}
        )
    versions: list[QuoteVersion] = []
    for quote in quotes:
        made = per_deal[quote.deal.pk]
        count = 2 if rng.random() < 0.2 else 1
        for n in range(1, count + 1):
            at = quote.created_at + dt.timedelta(days=5 * (n - 1))
            versions.append(
                QuoteVersion(
                    quote=quote,
                    version=n,
                    list_total=sum((ln.list_price * ln.quantity for ln in made), Decimal("0.00")),
                    amount=sum((ln.amount for ln in made), Decimal("0.00")),
                    cost_amount=sum((ln.cost_amount for ln in made), Decimal("0.00")),
                    valid_until=(at + dt.timedelta(days=30)).date(),
                    created_by_id=quote.created_by_id,
                    created_at=at,
                )
            )
    QuoteVersion.objects.bulk_create(versions, batch_size=2000)
    QuoteLine.objects.bulk_create(
        (
            QuoteLine(version=v, **{f: getattr(ln, f) for f in COPY})
            for v in versions
            for ln in per_deal[v.quote.deal.pk]
        ),
        batch_size=2000,
    )
    latest: dict[int, QuoteVersion] = {}
    for v in versions:
        latest[v.quote.pk] = v
    return [(q.deal, latest[q.pk], per_deal[q.deal.pk]) for q in quotes]


def _fulfilment(context: DemoContext, at: dt.datetime) -> tuple[str, dict[str, dt.datetime]]:
    """How far an order confirmed at ``at`` has got by now: a few are cancelled, the others
    shipped, delivered and invoiced as their age allows."""
    age = (context.now - at).days
    status, stamps = OrderStatus.CONFIRMED, dict[str, dt.datetime]()
    if context.rng.random() < 0.015:
        status = OrderStatus.CANCELLED
        stamps = {"cancelled_at": at + dt.timedelta(days=2)}
    elif age >= 10:
        status = OrderStatus.SHIPPED
        stamps = {"shipped_at": at + dt.timedelta(days=7)}
        if age >= 25:
            status = OrderStatus.DELIVERED
            stamps["delivered_at"] = at + dt.timedelta(days=12)
        if age >= 45:
            status = OrderStatus.INVOICED
            stamps["invoiced_at"] = at + dt.timedelta(days=30)
    return status, stamps


def _stock_movements(order_lines: list[OrderLine], stocked: set[int]) -> list[StockMovement]:
    """A reservation for each line that holds stock, a shipment for each stocked line shipped."""
    movements = []
    for order, line in ((ol.order, ol) for ol in order_lines):
        if line.reserved:
            movements.append(
                StockMovement(
                    product_id=line.product_id,
                    kind=StockMovement.Kind.RESERVATION,
                    reserved_change=line.reserved,
                    order=order,
                    note=order.number,
                    at=order.confirmed_at,
                )
            )
        elif order.shipped_at and line.product_id in stocked:
            movements.append(
                StockMovement(
                    product_id=line.product_id,
                    kind=StockMovement.Kind.SHIPMENT,
                    on_hand_change=-line.quantity,
                    order=order,
                    note=order.number,
                    at=order.shipped_at,
                )
            )
    return movements


def _orders(
    context: DemoContext,
    quoted: list[tuple[Deal, QuoteVersion, list[DealLine]]],
    products: dict[str, Product],
) -> dict[str, Any]:
    """An order per won deal, fulfilled as far as its age allows; repeat orders marked."""
    won = sorted(
        (item for item in quoted if item[0].stage.outcome == PipelineStage.Outcome.WON),
        key=lambda item: (item[0].closed_at, item[0].pk),
    )
    last = {row.year: row.last_number for row in DocumentSequence.objects.filter(kind="order")}
    bought_at: dict[int, dt.datetime] = {
        row["account_id"]: row["first"]
        for row in Order.objects.filter(account__isnull=False, delivered_at__isnull=False)
        .values("account_id")
        .annotate(first=Min("delivered_at"))
    }
    stocked = {p.pk for p in products.values() if p.is_stocked}
    orders: list[Order] = []
    order_lines: list[OrderLine] = []
    shipped: dict[int, int] = defaultdict(int)
    reserved: dict[int, int] = defaultdict(int)
    for deal, version, made in won:
        at = deal.closed_at
        assert at is not None  # a won deal is closed
        status, stamps = _fulfilment(context, at)
        year = at.year
        last[year] = last.get(year, 0) + 1
        first_bought = bought_at.get(deal.account_id) if deal.account_id else None
        order = Order(
            number=f"O-{year}-{last[year]:04d}",
            deal=deal,
            quote_version=version,
            account_id=deal.account_id,
            status=status,
            is_repeat=first_bought is not None and first_bought <= at,
            amount=version.amount,
            cost_amount=version.cost_amount,
            created_by_id=deal.owner_id,
            confirmed_at=at,
            **stamps,
        )
        if deal.account_id and "delivered_at" in stamps:
            known = bought_at.get(deal.account_id)
            delivered = stamps["delivered_at"]
            bought_at[deal.account_id] = min(known, delivered) if known else delivered
        orders.append(order)
        for ln in made:
            held = (
                ln.quantity if status == OrderStatus.CONFIRMED and ln.product_id in stocked else 0
            )
            order_lines.append(
                OrderLine(order=order, reserved=held, **{f: getattr(ln, f) for f in COPY})
            )
            if ln.product_id in stocked and "shipped_at" in stamps:
                shipped[ln.product_id] += ln.quantity
            reserved[ln.product_id] += held
    Order.objects.bulk_create(orders, batch_size=2000)
    OrderLine.objects.bulk_create(order_lines, batch_size=2000)
    for year, number in last.items():
        DocumentSequence.objects.update_or_create(
            kind="order", year=year, defaults={"last_number": number}
        )
    movements = _stock_movements(order_lines, stocked)
    StockMovement.objects.bulk_create(movements, batch_size=2000)
    return {
        "orders": len(orders),
        "repeat_orders": sum(o.is_repeat for o in orders),
        "stock_movements": len(movements),
        "_shipped": shipped,
        "_reserved": reserved,
    }


def _stock(
    context: DemoContext,
    products: dict[str, Product],
    shipped: dict[int, int],
    reserved: dict[int, int],
) -> None:
    """Open each stocked product with what was sold plus a buffer; the rest follows history."""
    start = context.now - dt.timedelta(days=31 * context.months)
    buffers = {name: extra for name, _, _, stocked, extra in CATALOG if stocked}
    for name, extra in buffers.items():
        product = products[name]
        opening = shipped.get(product.pk, 0) + reserved.get(product.pk, 0) + extra
        StockMovement.objects.create(
            product=product,
            kind=StockMovement.Kind.RECEIPT,
            on_hand_change=opening,
            note="opening stock",
            at=start,
        )
        on_hand = StockMovement.objects.filter(product=product).aggregate(
            total=Sum("on_hand_change")
        )["total"]
        live = OrderLine.objects.filter(
            product=product, order__status=OrderStatus.CONFIRMED
        ).aggregate(total=Sum("reserved"))["total"]
        StockLevel.objects.filter(product=product).update(on_hand=on_hand or 0, reserved=live or 0)
