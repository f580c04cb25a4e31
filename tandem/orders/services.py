"""Use cases on the catalog, stock and a deal's line items.

Quotes live in ``quote_services``, orders and their stock reservations in ``order_services``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.orders import pricing
from tandem.orders.models import (
    DealLine,
    DeliveryTerms,
    DocumentSequence,
    PaymentTerms,
    PriceList,
    PriceListItem,
    Product,
    StockLevel,
    StockMovement,
)
from tandem.sales.models import Deal
from tandem.sales.review_services import fit_review_sync

DEFAULT_CURRENCY = "EUR"


# -- catalog ---------------------------------------------------------------------------------


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput.field(field, "is required")
    if len(text) > limit:
        raise InvalidInput.field(field, f"must be at most {limit} characters")
    return text


def product_create(
    *,
    actor: Any,
    sku: str,
    name: str,
    unit_cost: Any,
    list_price: Any,
    description: str = "",
    unit: str = "units",
    is_custom: bool = False,
    is_stocked: bool = True,
    on_hand: int = 0,
    via: str = "ui",
) -> Product:
    """Add a product to the catalog, with its stock row (and opening stock, if any)."""
    policies.require(actor, "create", "product")
    sku = _text(sku, "sku", 40, required=True).upper()
    if Product.objects.filter(sku=sku).exists():
        raise InvalidInput.field("sku", f"{sku} is already in the catalog")
    with transaction.atomic():
        product = Product.objects.create(
            sku=sku,
            name=_text(name, "name", 200, required=True),
            description=_text(description, "description", 5000),
            unit=_text(unit, "unit", 40) or "units",
            unit_cost=pricing.money(unit_cost, "unit_cost"),
            list_price=pricing.money(list_price, "list_price"),
            is_custom=bool(is_custom),
            is_stocked=bool(is_stocked),
        )
        StockLevel.objects.create(product=product)
        audit.record_created(actor=actor, obj=product, via=via)
        if on_hand:
            stock_receive(actor=actor, product=product, quantity=on_hand, note="opening stock")
    return product


PRODUCT_FIELDS = ("name", "description", "unit", "unit_cost", "list_price", "is_active")


def product_update(*, actor: Any, product: Product, via: str = "ui", **fields: Any) -> Product:
    """Change a product's name, texts, cost, list price or whether it is still sold."""
    policies.require(actor, "change", "product", product)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "cannot be changed here")
    before = audit.snapshot(product)
    for name, value in fields.items():
        if name in ("unit_cost", "list_price"):
            value = pricing.money(value, name)
        elif name == "is_active":
            value = bool(value)
        else:
            value = _text(
                value, name, 5000 if name == "description" else 200, required=name == "name"
            )
        setattr(product, name, value)
    product.save(update_fields=list(fields))
    audit.record_updated(actor=actor, obj=product, before=before, via=via)
    return product


def product_delete(*, actor: Any, product: Product, via: str = "ui") -> None:
    """Delete a product nobody has priced yet; one on deals, quotes or orders is deactivated."""
    policies.require(actor, "delete", "product", product)
    if (
        DealLine.objects.filter(product=product).exists()
        or product.quote_lines.exists()
        or product.order_lines.exists()
    ):
        raise InvalidInput.field("product", "it is on deals or quotes: deactivate it instead")
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=product, via=via)
        product.delete()


def price_list_create(
    *,
    actor: Any,
    name: str,
    currency: str = DEFAULT_CURRENCY,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    is_default: bool = False,
    via: str = "ui",
) -> PriceList:
    policies.require(actor, "create", "product")
    currency = _text(currency, "currency", 3, required=True).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput.field("currency", "use a three-letter code such as EUR")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput.field("valid_until", "must not be before valid_from")
    with transaction.atomic():
        if is_default:
            PriceList.objects.filter(is_default=True).update(is_default=False)
        price_list = PriceList.objects.create(
            name=_text(name, "name", 100, required=True),
            currency=currency,
            valid_from=valid_from,
            valid_until=valid_until,
            is_default=is_default,
        )
        audit.record_created(actor=actor, obj=price_list, via=via)
    return price_list


def price_set(*, actor: Any, price_list: PriceList, product: Product, price: Any) -> PriceListItem:
    """Set (or change) one product's price on a list."""
    policies.require(actor, "change", "product", product)
    item, _ = PriceListItem.objects.update_or_create(
        price_list=price_list, product=product, defaults={"price": pricing.money(price, "price")}
    )
    return item


def price_list_current(on: dt.date | None = None) -> PriceList | None:
    """The default price list valid on ``on`` (today by default), if any."""
    on = on or timezone.localdate()
    return (
        PriceList.objects.filter(is_default=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .first()
    )


def price_for(
    product: Product, price_list: PriceList | None
) -> tuple[Decimal, PriceList | None, str]:
    """A product's list price: from ``price_list`` when it names the product, else the product's."""
    if price_list is not None:
        item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
        if item is not None:
            return item.price, price_list, price_list.currency
        return product.list_price, None, price_list.currency
    return product.list_price, None, DEFAULT_CURRENCY


# -- stock -----------------------------------------------------------------------------------


def _stock_locked(product_id: int) -> StockLevel:
    stock, _ = StockLevel.objects.get_or_create(product_id=product_id)
    return StockLevel.objects.select_for_update().get(pk=stock.pk)


def stock_receive(
    *, actor: Any, product: Product, quantity: Any, note: str = "", via: str = "ui"
) -> StockLevel:
    """Goods in: ``quantity`` more units on hand."""
    policies.require(actor, "change", "product", product)
    units = pricing.quantity_of(quantity)
    with transaction.atomic():
        stock = _stock_locked(product.pk)
        before = audit.snapshot(stock)
        stock.on_hand += units
        stock.save(update_fields=["on_hand"])
        StockMovement.objects.create(
            product=product,
            kind=StockMovement.Kind.RECEIPT,
            on_hand_change=units,
            note=_text(note, "note", 200),
            actor=actor,
            at=timezone.now(),
        )
        audit.record_updated(actor=actor, obj=stock, before=before, via=via)
    return stock


def stock_count(
    *, actor: Any, product: Product, on_hand: Any, note: str = "", via: str = "ui"
) -> StockLevel:
    """A stock count: on hand becomes ``on_hand``; never below what orders have reserved."""
    policies.require(actor, "change", "product", product)
    try:
        counted = int(str(on_hand).strip())
    except ValueError:
        raise InvalidInput.field("on_hand", f"'{on_hand}' is not a whole number") from None
    if counted < 0:
        raise InvalidInput.field("on_hand", "must be zero or more")
    with transaction.atomic():
        stock = _stock_locked(product.pk)
        if counted < stock.reserved:
            raise InvalidInput.field(
                "on_hand", f"{stock.reserved} units are reserved for orders; release them first"
            )
        before = audit.snapshot(stock)
        change = counted - stock.on_hand
        stock.on_hand = counted
        stock.save(update_fields=["on_hand"])
        StockMovement.objects.create(
            product=product,
            kind=StockMovement.Kind.ADJUSTMENT,
            on_hand_change=change,
            note=_text(note, "note", 200),
            actor=actor,
            at=timezone.now(),
        )
        audit.record_updated(actor=actor, obj=stock, before=before, via=via)
    return stock


# -- deal lines ------------------------------------------------------------------------------


def _deal_editable(actor: Any, deal: Deal) -> None:
    policies.require(actor, "change", "deal", deal)
    if not deal.is_open:
        raise InvalidInput.field("deal", f"this deal is {deal.stage.outcome}: its lines are final")


def _terms(value: Any, choices: type[models.TextChoices], field: str) -> str:
    value = value or "standard"  # both term choices call their standard value "standard"
    if value not in choices.values:
        raise InvalidInput.field(field, f"choose one of: {', '.join(choices.values)}")
    return str(value)


def deal_totals_recompute(*, actor: Any, deal: Deal, via: str = "ui") -> Deal:
    """Set the deal's amount and cost from its lines (both zero/empty when it has none)."""
    totals = DealLine.objects.filter(deal=deal).aggregate(
        amount=Sum("amount"), cost=Sum("cost_amount")
    )
    before = audit.snapshot(deal)
    deal.amount = totals["amount"] or Decimal("0.00")
    deal.cost_amount = totals["cost"]
    deal.save(update_fields=["amount", "cost_amount"])
    audit.record_updated(actor=actor, obj=deal, before=before, via=via)
    # The offer just changed: a review opens now, while the rep is still building it, rather
    # than at the moment they try to win the deal.
    fit_review_sync(deal=deal, actor=actor, via=via)
    return deal


def _product_for_line(product_id: Any) -> Product:
    try:
        pk = int(product_id)
    except (TypeError, ValueError):
        raise InvalidInput.field("product", "choose a product") from None
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise InvalidInput.field("product", "no such product")
    if not product.is_active:
        raise InvalidInput.field("product", f"{product} is no longer sold")
    return product


def _fill(line: DealLine, *, quantity: int, discount: Decimal) -> None:
    figures = pricing.price(
        list_price=line.list_price,
        discount_percent=discount,
        quantity=quantity,
        unit_cost=line.unit_cost,
    )
    line.quantity, line.discount_percent = quantity, discount
    line.net_price, line.amount, line.cost_amount = (
        figures.net_price,
        figures.amount,
        figures.cost_amount,
    )


def deal_line_add(
    *,
    actor: Any,
    deal: Deal,
    product_id: Any,
    quantity: Any = 1,
    discount_percent: Any = 0,
    payment_terms: Any = PaymentTerms.STANDARD,
    delivery_terms: Any = DeliveryTerms.STANDARD,
    price_list: PriceList | None = None,
    via: str = "ui",
) -> DealLine:
    """Add a product to an open deal at its list price; the deal's amount and cost follow.

    A discount above the maximum is refused; above the review threshold it is kept and
    flagged for the fit review (``tandem.orders.fit``).
    """
    _deal_editable(actor, deal)
    product = _product_for_line(product_id)
    units = pricing.quantity_of(quantity)
    discount = pricing.discount_of(discount_percent)
    payment = _terms(payment_terms, PaymentTerms, "payment_terms")
    delivery = _terms(delivery_terms, DeliveryTerms, "delivery_terms")
    list_price, source, currency = price_for(product, price_list or price_list_current())
    with transaction.atomic():
        Deal.objects.select_for_update().filter(pk=deal.pk).first()  # one editor at a time
        existing = DealLine.objects.filter(deal=deal)
        other = existing.exclude(currency=currency).values_list("currency", flat=True).first()
        if other:
            raise InvalidInput.field(
                "product", f"this deal is priced in {other}; {product} is priced in {currency}"
            )
        position = (existing.aggregate(top=Max("position"))["top"] or 0) + 1
        line = DealLine(
            deal=deal,
            product=product,
            list_price=list_price,
            unit_cost=product.unit_cost,
            price_list=source,
            currency=currency,
            payment_terms=payment,
            delivery_terms=delivery,
            position=position,
        )
        _fill(line, quantity=units, discount=discount)
        line.save()
        audit.record_created(actor=actor, obj=line, via=via)
        deal_totals_recompute(actor=actor, deal=deal, via=via)
    return line


def deal_line_update(
    *,
    actor: Any,
    line: DealLine,
    quantity: Any = None,
    discount_percent: Any = None,
    payment_terms: Any = None,
    delivery_terms: Any = None,
    via: str = "ui",
) -> DealLine:
    """Change a line's quantity, discount or terms; prices stay as they were when added."""
    deal = line.deal
    _deal_editable(actor, deal)
    units = line.quantity if quantity in (None, "") else pricing.quantity_of(quantity)
    discount = (
        line.discount_percent if discount_percent is None else pricing.discount_of(discount_percent)
    )
    if payment_terms is not None:
        line.payment_terms = _terms(payment_terms, PaymentTerms, "payment_terms")
    if delivery_terms is not None:
        line.delivery_terms = _terms(delivery_terms, DeliveryTerms, "delivery_terms")
    with transaction.atomic():
        before = audit.snapshot(line)
        _fill(line, quantity=units, discount=discount)
        line.save(
            update_fields=[
                "quantity",
                "discount_percent",
                "net_price",
                "amount",
                "cost_amount",
                "payment_terms",
                "delivery_terms",
                "updated_at",
            ]
        )
        audit.record_updated(actor=actor, obj=line, before=before, via=via)
        deal_totals_recompute(actor=actor, deal=deal, via=via)
    return line


def deal_line_remove(*, actor: Any, line: DealLine, via: str = "ui") -> Deal:
    deal = line.deal
    _deal_editable(actor, deal)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=line, via=via)
        line.delete()
        deal_totals_recompute(actor=actor, deal=deal, via=via)
    return deal


def sequence_next(*, kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``, under a row lock; call inside a transaction.

    Two callers racing for the same year queue on the lock; the loser reads the winner's
    number after it commits. A rollback gives the number back, so there are no gaps.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must run inside the transaction that uses the number")
    try:
        with transaction.atomic():
            DocumentSequence.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:
        pass  # another transaction created the row first; it exists now
    row = DocumentSequence.objects.select_for_update().get(kind=kind, year=year)
    row.last_number += 1
    row.save(update_fields=["last_number"])
    return row.last_number
