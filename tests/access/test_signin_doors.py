"""Every sign-in door is throttled: /login/, /admin/login/ and API tokens.

Failures count per address and username, per address (spraying one password across people),
and per username from any address (slower, so one address can never lock a person out).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tandem.access import services as access

NOW = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)  # early in every window
RIGHT = "pass-word-123"


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _admin_login(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def _login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_admin_login_refuses_the_right_password_after_eight_wrong_ones(cast):
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    for _ in range(8):
        assert _admin_login(attacker, "ada", "guess").status_code == 200

    refused = _admin_login(attacker, "ada", RIGHT)

    assert refused.status_code == 200
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_admin_login_still_lets_the_admin_in_from_elsewhere(cast):
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    for _ in range(8):
        _admin_login(attacker, "ada", "guess")

    admin = Client(REMOTE_ADDR="198.51.100.7")
    signed_in = _admin_login(admin, "ada", RIGHT)

    assert signed_in.status_code == 302
    assert signed_in.url == "/admin/"


def test_admin_login_counts_with_the_login_page(cast):
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    for _ in range(5):
        _login(attacker, "ada", "guess")

    assert "Too many failed sign-ins" in _admin_login(attacker, "ada", RIGHT).content.decode()


def test_spraying_one_password_across_people_from_one_address_is_stopped(cast, settings):
    settings.TANDEM_LOGIN_ADDRESS_FAILURES = 4
    sprayer = Client(REMOTE_ADDR="192.0.2.99")
    for name in ("mia", "max", "sam", "tara"):
        answer = _login(sprayer, name, "Summer2026!").content.decode()
        assert "Please enter a correct username" in answer

    # the fifth person is refused before the password is even tried, right or wrong
    refused = _login(sprayer, "sue", RIGHT)
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "Too many failed sign-ins" in _admin_login(sprayer, "ada", RIGHT).content.decode()

    # the people sprayed at still sign in from their own addresses
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), "sue", RIGHT).status_code == 302


def test_one_address_cannot_lock_a_person_out_but_many_can_for_the_hour(cast, settings):
    settings.TANDEM_LOGIN_USER_FAILURES = 12
    for n in range(2):  # two addresses, five failures each: each is stopped, sam is not
        attacker = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        for _ in range(6):
            _login(attacker, "sam", "guess")
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), "sam", RIGHT).status_code == 302

    # a third address takes sam past the per-person limit: then sam waits out the hour too
    third = Client(REMOTE_ADDR="192.0.2.3")
    for _ in range(2):
        _login(third, "sam", "guess")
    locked = _login(Client(REMOTE_ADDR="198.51.100.8"), "sam", RIGHT)
    assert "Too many failed sign-ins" in locked.content.decode()


def test_signing_in_uses_up_nothing(cast, settings):
    settings.TANDEM_LOGIN_ADDRESS_FAILURES = 2
    office = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(5):
        assert _login(office, "sam", RIGHT).status_code == 302
        office.logout()


def test_bad_api_tokens_from_one_address_are_stopped_with_429(cast, settings):
    settings.TANDEM_TOKEN_FAILURES_ALLOWED = 3
    _, good = access.token_issue(user=cast.sales_rep, name="script")
    guesser = {"REMOTE_ADDR": "192.0.2.50"}
    for n in range(3):
        bad = Client(HTTP_AUTHORIZATION=f"Bearer tdm_guess{n}", **guesser)
        assert bad.get("/api/v1/contacts").status_code == 401

    refused = Client(HTTP_AUTHORIZATION=f"Bearer {good}", **guesser).get("/api/v1/contacts")

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert refused.json()["errors"][0]["field"] == "Authorization"
    # the token's owner elsewhere is not affected
    elsewhere = Client(HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="198.51.100.7")
    assert elsewhere.get("/api/v1/contacts").status_code == 200


def test_requests_without_a_token_are_not_counted(cast, settings):
    settings.TANDEM_TOKEN_FAILURES_ALLOWED = 1
    anonymous = Client(REMOTE_ADDR="192.0.2.51")
    for _ in range(3):
        assert anonymous.get("/api/v1/contacts").status_code == 401
    _, good = access.token_issue(user=cast.sales_rep, name="script")
    signed = Client(HTTP_AUTHORIZATION=f"Bearer {good}", REMOTE_ADDR="192.0.2.51")
    assert signed.get("/api/v1/contacts").status_code == 200
