"""The orders rows of the permission-matrix test (``tests/access/test_permissions.py``).

Each cell is tried through the real services and selectors; quotes and orders belong to the
owner of their deal.
"""

from __future__ import annotations

import itertools
from typing import Any

from tandem.orders import order_services, selectors
from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.orders.models import Order, Product, Quote

_serial = itertools.count(1)


def order_specs(Spec: Any, a_deal: Any) -> dict[tuple[str, str], Any]:  # noqa: N803 — a class
    def a_product(w, owner=None) -> Product:
        return orders.product_create(
            actor=w.cast.admin,
            sku=f"PROBE-{next(_serial)}",
            name="Probe sensor",
            unit_cost="10.00",
            list_price="25.00",
            on_hand=5,
        )

    def a_lined_deal(w, owner):
        deal = a_deal(w, owner)
        orders.deal_line_add(actor=w.cast.admin, deal=deal, product_id=a_product(w).pk)
        return deal

    def a_quote(w, owner) -> Quote:
        return quotes.quote_create(actor=w.cast.admin, deal=a_lined_deal(w, owner))

    def an_order(w, owner) -> Order:
        return quotes.quote_accept(actor=w.cast.admin, quote=a_quote(w, owner))

    def _exists(model, **lookup) -> bool:
        return model.objects.filter(**lookup).exists()

    return {
        ("product", "view"): Spec(
            a_product,
            lambda w, a, r: selectors.product_get_for_user(user=a, product_id=r.pk),
            lambda w, a, r: selectors.products_for_user(user=a).filter(pk=r.pk).exists(),
        ),
        ("product", "create"): Spec(
            lambda w, owner: None,
            lambda w, a, _: orders.product_create(
                actor=a, sku="NEW-1", name="New gateway", unit_cost="1", list_price="2"
            ),
            lambda w, a, _: _exists(Product, sku="NEW-1"),
            whose=("any",),
        ),
        ("product", "change"): Spec(
            a_product,
            lambda w, a, r: orders.product_update(actor=a, product=r, name="Renamed"),
            lambda w, a, r: Product.objects.get(pk=r.pk).name == "Renamed",
        ),
        ("product", "delete"): Spec(
            a_product,
            lambda w, a, r: orders.product_delete(actor=a, product=r),
            lambda w, a, r: not _exists(Product, pk=r.pk),
        ),
        ("quote", "view"): Spec(
            a_quote,
            lambda w, a, r: selectors.quote_get_for_user(user=a, quote_id=r.pk),
            lambda w, a, r: selectors.quotes_for_user(user=a).filter(pk=r.pk).exists(),
        ),
        # Creating a quote is quoting someone's deal: the deal's owner decides the scope.
        ("quote", "create"): Spec(
            a_lined_deal,
            lambda w, a, r: quotes.quote_create(actor=a, deal=r),
            lambda w, a, r: _exists(Quote, deal=r),
        ),
        ("quote", "change"): Spec(
            a_quote,
            lambda w, a, r: quotes.quote_version_create(actor=a, quote=r),
            lambda w, a, r: r.versions.count() == 2,
        ),
        ("quote", "delete"): Spec(
            a_quote,
            lambda w, a, r: quotes.quote_delete(actor=a, quote=r),
            lambda w, a, r: not _exists(Quote, pk=r.pk),
        ),
        ("order", "view"): Spec(
            an_order,
            lambda w, a, r: selectors.order_get_for_user(user=a, order_id=r.pk),
            lambda w, a, r: selectors.orders_for_user(user=a).filter(pk=r.pk).exists(),
        ),
        # Placing an order is accepting a quote on someone's deal.
        ("order", "create"): Spec(
            a_quote,
            lambda w, a, r: quotes.quote_accept(actor=a, quote=r),
            lambda w, a, r: _exists(Order, quote_version__quote=r),
        ),
        ("order", "change"): Spec(
            an_order,
            lambda w, a, r: order_services.order_advance(actor=a, order=r),
            lambda w, a, r: Order.objects.get(pk=r.pk).status == "shipped",
        ),
        ("order", "delete"): Spec(
            an_order,
            lambda w, a, r: order_services.order_delete(actor=a, order=r),
            lambda w, a, r: not _exists(Order, pk=r.pk),
        ),
    }
