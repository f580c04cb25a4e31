"""Signing in: session login, throttling after repeated failures, per account and address."""

from django.test import Client


def _login(client: Client, password: str):
    return client.post("/login/", {"username": "sam", "password": password})


def test_good_password_signs_in_and_lands_on_the_team_home(cast):
    client = Client()

    response = _login(client, "pass-word-123")

    assert response.status_code == 302
    assert client.get("/").url == "/sales/"


def test_repeated_failures_lock_the_account_for_that_address(cast, settings):
    settings.TANDEM_LOGIN_FAILURES_ALLOWED = 3
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    for _ in range(3):
        assert "Please enter a correct username" in _login(attacker, "guess").content.decode()

    # then even the right password is refused from that address for a while
    locked = _login(attacker, "pass-word-123")
    assert locked.status_code == 200
    assert "Too many failed sign-ins" in locked.content.decode()

    # and the real user at another address is not locked out
    assert _login(Client(REMOTE_ADDR="192.0.2.10"), "pass-word-123").status_code == 302
