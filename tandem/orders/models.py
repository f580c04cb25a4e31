"""The catalog (products, price lists, stock), deal line items, quotes and orders."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class Product(models.Model):
    """Something the company sells: hardware from stock, a licence or a service."""

    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=40, default="units", help_text="Plural: '40 sensors'.")
    unit_cost = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="What one unit costs us."
    )
    list_price = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="The price when no price list names this product.",
    )
    is_active = models.BooleanField(default=True)
    is_custom = models.BooleanField(
        default=False, help_text="A one-off item outside the standard offering."
    )
    is_stocked = models.BooleanField(
        default=True, help_text="Kept in stock; licences and services are not."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PriceList(models.Model):
    """Prices per product in one currency for a period; one list is the default."""

    name = models.CharField(max_length=100, unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_price_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListItem(models.Model):
    """One product's price on one price list."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    price = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.price}"


class StockLevel(models.Model):
    """Units of a product on hand and reserved for orders; the row locked when reserving.

    The check constraints make over-reservation impossible even if a code path forgot the lock.
    """

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="stock")
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("on_hand")), name="reserved_within_on_hand"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One change to a product's stock, with why and by whom: the stock's history."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Received"
        ADJUSTMENT = "adjustment", "Counted / adjusted"
        RESERVATION = "reservation", "Reserved for an order"
        RELEASE = "release", "Reservation released"
        SHIPMENT = "shipment", "Shipped"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    on_hand_change = models.IntegerField(default=0)
    reserved_change = models.IntegerField(default=0)
    order = models.ForeignKey(
        "Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="movements"
    )
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product}"


class PaymentTerms(models.TextChoices):
    STANDARD = "standard", "Standard (30 days net)"
    NET_60 = "net_60", "60 days net"
    NET_90 = "net_90", "90 days net"
    INSTALMENTS = "instalments", "Instalments"
    PREPAID = "prepaid", "Prepaid"


class DeliveryTerms(models.TextChoices):
    STANDARD = "standard", "Standard (delivered within 4 weeks)"
    EXPRESS = "express", "Express: within 1 week"
    STAGED = "staged", "Staged rollout"
    EX_WORKS = "ex_works", "Ex works: customer collects"
    DUTY_PAID = "duty_paid", "Delivered duty paid"


class PricedLine(models.Model):
    """What a deal line, a quote line and an order line share: a product at a price."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    list_price = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Per unit, before discount."
    )
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    net_price = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Per unit, after discount."
    )
    unit_cost = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="The product's cost when priced."
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="Net price × quantity.")
    cost_amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Unit cost × quantity."
    )
    payment_terms = models.CharField(
        max_length=20, choices=PaymentTerms.choices, default=PaymentTerms.STANDARD
    )
    delivery_terms = models.CharField(
        max_length=20, choices=DeliveryTerms.choices, default=DeliveryTerms.STANDARD
    )

    class Meta:
        abstract = True

    @property
    def margin(self) -> Decimal:
        return self.amount - self.cost_amount

    @property
    def has_standard_terms(self) -> bool:
        return (
            self.payment_terms == PaymentTerms.STANDARD
            and self.delivery_terms == DeliveryTerms.STANDARD
        )


# What a line carries when it is copied: deal line → quote line → order line.
LINE_FIELDS = (
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


class DealLine(PricedLine):
    """A line item on a deal: the working copy a rep edits before a quote freezes it."""

    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="deal_lines")
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    currency = models.CharField(max_length=3, default="EUR")
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deal", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class DocumentSequence(models.Model):
    """The last number given to a kind of document (quote, order) in a year.

    Numbers come from this row under a row lock, inside the transaction that creates the
    document: a rollback returns the number, so the sequence has no gaps.
    """

    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_sequence_per_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class Quote(models.Model):
    """A numbered offer to the deal's buyer; each revision is a new, frozen version."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="quotes")
    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="quote_number_unique")
        ]

    def __str__(self) -> str:
        return self.number


class QuoteVersion(models.Model):
    """One frozen revision of a quote: its lines, totals and validity. Never edited."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    list_total = models.DecimalField(max_digits=14, decimal_places=2, help_text="Before discounts.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    cost_amount = models.DecimalField(max_digits=14, decimal_places=2)
    valid_until = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["quote", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "version"], name="quote_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quote.number} v{self.version}"

    @property
    def margin(self) -> Decimal:
        return self.amount - self.cost_amount


class QuoteLine(PricedLine):
    """A deal line as it stood when the quote version was made."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="quote_lines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class OrderStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    INVOICED = "invoiced", "Invoiced"
    CANCELLED = "cancelled", "Cancelled"


class Order(models.Model):
    """An accepted quote version: stock reserved for it, then shipped, delivered, invoiced."""

    number = models.CharField(max_length=20, unique=True)
    # Deleting a deal (a manager's or admin's act) takes its quotes and orders with it.
    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="orders")
    quote_version = models.OneToOneField(
        QuoteVersion, on_delete=models.CASCADE, related_name="order"
    )
    account = models.ForeignKey(
        "people.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED
    )
    is_repeat = models.BooleanField(
        default=False,
        help_text="The account already had a delivered or invoiced order: a repeat sale.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    cost_amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    invoiced_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def margin(self) -> Decimal:
        return self.amount - self.cost_amount

    @property
    def backordered(self) -> int:
        return sum(line.backordered for line in self.lines.all())


class OrderLine(PricedLine):
    """A line of an order with what is reserved for it and what waits as a backorder."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    position = models.PositiveSmallIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0, help_text="Units held in stock for it.")
    backordered = models.PositiveIntegerField(
        default=0, help_text="Units the buyer agreed to wait for: not yet in stock."
    )

    class Meta:
        ordering = ["order", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
