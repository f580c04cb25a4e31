"""Sales fixtures: deals owned by the cast's reps, a fit check the test switches on, clients."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.sales import fit
from tandem.sales import services as sales
from tandem.sales.fit import FitConcern
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def client_for():
    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def acme(db):
    return AccountFactory(name="Acme", domain="acme.test", industry="Retail", size_band="50-249")


@pytest.fixture
def buyer(acme):
    return ContactFactory(email="bea@acme.test", first_name="Bea", last_name="Buyer", account=acme)


@pytest.fixture
def deal(cast, buyer):
    return sales.deal_open(
        actor=cast.sales_rep, name="Acme rollout", owner=cast.sales_rep, contact=buyer, amount=5000
    )


@pytest.fixture
def misfit():
    """A fit check registered for the test: deals whose name says 'custom' are off-policy."""

    @fit.fit_check("test-custom")
    def custom(deal):
        if "custom" in deal.name.lower():
            return [FitConcern(code="custom-items", message="Custom items outside the catalog")]
        return []

    yield custom
    fit._CHECKS.pop("test-custom", None)


@pytest.fixture
def api(cast):
    """``api("sales_rep")`` — a JSON client with that cast member's personal token."""
    from tandem.access import services as access
    from tests.api.conftest import Api

    made: dict[str, Api] = {}

    def _for(role: str) -> Api:
        if role not in made:
            _, raw = access.token_issue(user=cast.by_role(role), name=f"{role} script")
            made[role] = Api(raw)
        return made[role]

    return _for
