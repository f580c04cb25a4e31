"""Fixtures of the webhook tests: receivers on loopback and an endpoint pointing at one."""

from __future__ import annotations

import pytest

from tandem.webhooks import services
from tandem.webhooks.schemas import EndpointIn
from tests.webhooks import receiver as receivers


@pytest.fixture
def allow_loopback(settings):
    """The administrator allows private addresses: the receivers listen on loopback."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    server = receivers.start()
    yield server
    server.stop()


@pytest.fixture
def endpoint_for(cast, allow_loopback):
    """An endpoint the admin set up for ``events`` at ``url``."""

    def _make(url: str, events: list[str]):
        return services.endpoint_create(actor=cast.admin, data=EndpointIn(url=url, events=events))

    return _make
