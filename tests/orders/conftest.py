"""The orders fixtures: a small catalog with stock and a price list, and deals to sell it on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tandem.orders import services as orders
from tandem.orders.models import PriceList, Product
from tandem.sales import services as sales
from tests.api.conftest import api  # noqa: F401  (the API client fixture, for test_api)
from tests.factories import AccountFactory, ContactFactory


@dataclass
class Catalog:
    """Kestrel's catalog in small: two stocked products, a licence and a custom item."""

    sensor: Product
    gateway: Product
    licence: Product
    custom: Product
    price_list: PriceList


@pytest.fixture
def catalog(cast) -> Catalog:
    admin = cast.admin
    sensor = orders.product_create(
        actor=admin,
        sku="fm-100",
        name="Fleet Monitor sensor",
        unit="sensors",
        unit_cost="70.00",
        list_price="240.00",
        on_hand=100,
    )
    gateway = orders.product_create(
        actor=admin,
        sku="EG-3",
        name="Edge Gateway 3",
        unit="gateways",
        unit_cost="820.00",
        list_price="1450.00",
        on_hand=10,
    )
    licence = orders.product_create(
        actor=admin,
        sku="PMS-LIC",
        name="Predictive Maintenance licence",
        unit="machines",
        unit_cost="260.00",
        list_price="1200.00",
        is_stocked=False,
    )
    custom = orders.product_create(
        actor=admin,
        sku="CUSTOM-PLC",
        name="Custom PLC bridge",
        unit_cost="3000.00",
        list_price="5000.00",
        is_custom=True,
        is_stocked=False,
    )
    price_list = orders.price_list_create(
        actor=admin, name="2026 list", valid_from=dt.date(2020, 1, 1), is_default=True
    )
    # The list price of a gateway is lower on the price list than on the product.
    orders.price_set(actor=admin, price_list=price_list, product=gateway, price="1400.00")
    return Catalog(sensor, gateway, licence, custom, price_list)


@pytest.fixture
def deal_for(cast):
    """``deal_for(owner)`` — an open deal owned by ``owner``, on an account of its own."""

    def _deal(owner=None, account=None, name: str = "Acme — sensors"):
        contact = ContactFactory(account=account or AccountFactory(name="Acme Plastics"))
        return sales.deal_open(
            actor=cast.admin, name=name, owner=owner or cast.sales_rep, contact=contact
        )

    return _deal


@pytest.fixture
def deal(deal_for):
    return deal_for()


def money(text: str) -> Decimal:
    return Decimal(text)
