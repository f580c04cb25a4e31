"""Forwarded headers are believed from trusted proxies only (TANDEM_TRUSTED_PROXIES)."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.access.proxy import client_of, networks

TRUSTED = networks(["127.0.0.1", "10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
        # a client's own forged hops stand left of the one our proxy wrote
        ("127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # two proxies of ours: the rightmost untrusted hop is the client
        ("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.2.3", "203.0.113.5"),
        # every hop ours: the leftmost
        ("127.0.0.1", "10.0.0.9", "10.0.0.9"),
        ("::1", "2001:db8::7", "2001:db8::7"),
    ],
    ids=["one-proxy", "forged-left", "two-proxies", "all-trusted", "ipv6"],
)
def test_the_client_is_the_rightmost_untrusted_hop(peer, forwarded_for, client):
    assert client_of(peer, forwarded_for, TRUSTED) == client


def test_a_bad_entry_is_named():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="'10.0.0.300'"):
        networks(["10.0.0.300"])


def _whoami(client: Client, **headers):
    # The login page is public; the address the throttle sees is what a failure counts under.
    client.post("/login/", {"username": "nobody", "password": "x"}, **headers)
    from tandem.access.models import RateCounter

    return sorted(
        key.removeprefix("login-addr:")
        for key in RateCounter.objects.filter(key__startswith="login-addr:").values_list(
            "key", flat=True
        )
    )


def test_a_trusted_proxys_forwarded_address_is_the_client(db, settings):
    settings.TANDEM_TRUSTED_PROXIES = ["127.0.0.1"]
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    assert _whoami(proxy, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5") == ["203.0.113.5"]


def test_anyone_elses_forwarded_headers_are_ignored(db, settings):
    settings.TANDEM_TRUSTED_PROXIES = ["127.0.0.1"]
    direct = Client(REMOTE_ADDR="192.0.2.8")
    assert _whoami(direct, HTTP_X_FORWARDED_FOR="203.0.113.5") == ["192.0.2.8"]


def test_nothing_is_trusted_by_default(db, settings):
    settings.TANDEM_TRUSTED_PROXIES = []
    local = Client(REMOTE_ADDR="127.0.0.1")
    assert _whoami(local, HTTP_X_FORWARDED_FOR="203.0.113.5") == ["127.0.0.1"]


def test_https_and_host_from_a_trusted_proxy_only(db, settings):
    settings.TANDEM_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["crm.example.com", "testserver"]
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "crm.example.com"}

    through_proxy = Client(REMOTE_ADDR="127.0.0.1").get("/login/", **forwarded)
    assert through_proxy.status_code == 200  # https already: no redirect

    direct = Client(REMOTE_ADDR="192.0.2.8").get("/login/", **forwarded)
    assert direct.status_code == 301
    assert direct.url == "https://testserver/login/"  # its own Host, not the forwarded one


def test_a_form_posted_through_the_proxy_passes_the_csrf_origin_check(cast, settings):
    settings.TANDEM_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://crm.example.com"]
    browser = Client(REMOTE_ADDR="127.0.0.1", enforce_csrf_checks=True)
    headers = {
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "crm.example.com",
        "HTTP_ORIGIN": "https://crm.example.com",
        "HTTP_REFERER": "https://crm.example.com/login/",
    }
    page = browser.get("/login/", **headers)
    token = page.context["csrf_token"]

    signed_in = browser.post(
        "/login/",
        {"username": "sam", "password": "pass-word-123", "csrfmiddlewaretoken": str(token)},
        **headers,
    )

    assert signed_in.status_code == 302
