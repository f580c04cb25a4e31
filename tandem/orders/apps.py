"""Products, price lists, deal line items, quotes and orders with stock reservations."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "tandem.orders"
    label = "orders"

    def ready(self) -> None:
        # Registers the offer-policy check in the sales fit-check registry.
        from tandem.orders import fit  # noqa: F401
