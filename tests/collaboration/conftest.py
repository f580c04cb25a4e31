"""Scenario data for working together: Ann of Acme, a deal of sam's on her, and a login."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.people import services as people
from tandem.sales import services as sales
from tests.api.conftest import api  # noqa: F401  (the API client fixture)
from tests.orders.conftest import catalog  # noqa: F401  (a small product catalog)


@pytest.fixture
def ann(cast):
    contact, _ = people.contact_upsert(
        actor=cast.marketer,
        email="ann@acme.test",
        via="test",
        fields={"first_name": "Ann", "last_name": "Archer"},
        company_name="Acme",
    )
    return contact


@pytest.fixture
def deal(cast, ann):
    """An open deal on Ann, owned by sam (sales rep, team North)."""
    return sales.deal_open(
        actor=cast.sales_rep, name="Acme rollout", owner=cast.sales_rep, contact=ann
    )


@pytest.fixture
def login():
    def _login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login
