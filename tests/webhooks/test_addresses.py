"""SSRF: private, loopback and link-local receivers refused unless the administrator allows
them, at save time and again at send time; https only in production mode."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.people import services as people
from tandem.webhooks import services
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus
from tandem.webhooks.schemas import EndpointIn


def _create(cast, url: str):
    return services.endpoint_create(actor=cast.admin, data=EndpointIn(url=url, events=["deal.won"]))


@pytest.mark.parametrize(
    "url, address",
    [
        pytest.param("http://10.1.2.3/hook", "10.1.2.3", id="private-10"),
        pytest.param("http://192.168.0.7/hook", "192.168.0.7", id="private-192"),
        pytest.param("http://127.0.0.1:8000/hook", "127.0.0.1", id="loopback"),
        pytest.param("http://169.254.169.254/latest/meta-data", "169.254.169.254", id="link-local"),
        pytest.param("http://[::1]:8000/hook", "::1", id="ipv6-loopback"),
        pytest.param("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1", id="ipv4-mapped"),
        pytest.param("http://localhost:8000/hook", "127.0.0.1", id="name-to-loopback"),
    ],
)
def test_a_private_address_is_refused_at_save(cast, url, address):
    with pytest.raises(InvalidInput) as refused:
        _create(cast, url)
    message = refused.value.errors["url"]
    assert "private, loopback or link-local address" in message
    if address != "127.0.0.1" or "localhost" not in url:
        assert f"({address})" in message


def test_a_private_address_is_allowed_when_the_admin_allows_it(cast, allow_loopback):
    endpoint = _create(cast, "http://127.0.0.1:8000/hook")
    assert endpoint.url == "http://127.0.0.1:8000/hook"


def test_a_public_address_is_accepted(cast):
    assert _create(cast, "https://93.184.215.14/hook").is_enabled


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://93.184.215.14/hook", "use an http or https URL"),
        ("https://user:pw@93.184.215.14/hook", "put no user name or password in the URL"),
        ("https:///hook", "the URL has no host"),
    ],
)
def test_urls_that_cannot_be_called_are_refused(cast, url, message):
    with pytest.raises(InvalidInput) as refused:
        _create(cast, url)
    assert refused.value.errors == {"url": message}


def test_production_mode_takes_only_https(cast, settings):
    settings.PRODUCTION = True
    with pytest.raises(InvalidInput) as refused:
        _create(cast, "http://93.184.215.14/hook")
    assert refused.value.errors == {"url": "use an https URL (Tandem runs in production mode)"}
    assert _create(cast, "https://93.184.215.14/hook").url == "https://93.184.215.14/hook"


@pytest.mark.django_db(transaction=True)
def test_the_address_is_checked_again_at_send_time(cast, receiver, endpoint_for, settings):
    # given an endpoint on loopback saved while private addresses were allowed
    endpoint_for(receiver.url, ["contact.created"])
    # when the administrator withdraws the allowance and an event goes out
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    # then nothing reached the receiver, and the log says why
    assert receiver.received == []
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("refused: 127.0.0.1 is a private, loopback or link-local")
