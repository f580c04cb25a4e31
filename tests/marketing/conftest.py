"""Fixtures of the marketing workspace: a campaign built through the real service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tandem.marketing import campaign_services
from tests.api.conftest import api  # noqa: F401  (the API client fixture, shared)


@pytest.fixture
def campaign(cast):
    return campaign_services.campaign_create(
        actor=cast.marketer,
        name="Autumn launch",
        channel="paid_social",
        objective="lead_generation",
        budget="1000",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 12, 31),
        message="Plants that run themselves",
        offer="A free audit",
    )


@pytest.fixture
def signed_in(cast):
    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _client
