"""Products, price lists, deal line items, quotes and orders with stock reservations."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "tandem.orders"
    label = "orders"

    def ready(self) -> None:
        # Registers the offer-policy check in the sales fit-check registry, and what deleting
        # a deal does to its orders and their stock.
        from tandem.orders import deal_deletion, fit  # noqa: F401
