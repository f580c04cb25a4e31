"""Sign-in throttling on every door: the login page, Django's admin login and API tokens.

Failures are counted three ways, each in its own window, and any one over its limit refuses
the next attempt (even with the right password) until its window ends:

- **one address × one username** (``TANDEM_LOGIN_FAILURES_ALLOWED``, 5 per
  ``TANDEM_LOGIN_LOCKOUT_SECONDS``): guessing one person's password from one place;
- **one address, any username** (``TANDEM_LOGIN_ADDRESS_FAILURES``, 20 per lockout window):
  spraying one password across many people;
- **one username, any address** (``TANDEM_LOGIN_USER_FAILURES``, 50 per hour): guessing one
  person's password from many places. It is deliberately slower than the others, so that a
  single address (stopped at 5 on that user, 20 in all) can never lock a person out; it takes
  ten or more addresses, and even then only for the rest of the hour.

Only failures count: signing in does not use up anything. Addresses are the client's as
:mod:`tandem.access.proxy` found it (behind a trusted proxy, the forwarded one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.access import ratelimit

TOKENS_BLOCKED = "tandem:tokens-blocked:"
THROTTLED_MESSAGE = "Too many failed sign-ins. Wait a few minutes and try again."


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int
    window_seconds: int


def _limits(address: str, username: str) -> list[Limit]:
    name = username.strip().lower()
    lockout = settings.TANDEM_LOGIN_LOCKOUT_SECONDS
    limits = [Limit(f"login-addr:{address}", settings.TANDEM_LOGIN_ADDRESS_FAILURES, lockout)]
    if name:
        limits += [
            Limit(f"login:{address}:{name}", settings.TANDEM_LOGIN_FAILURES_ALLOWED, lockout),
            Limit(f"login-user:{name}", settings.TANDEM_LOGIN_USER_FAILURES, 3600),
        ]
    return limits


def _token_limits(address: str) -> list[Limit]:
    # A bad token names no one (tokens are random, looked up by their hash), so token guessing
    # is counted by address alone.
    return [
        Limit(
            f"token-addr:{address}",
            settings.TANDEM_TOKEN_FAILURES_ALLOWED,
            settings.TANDEM_LOGIN_LOCKOUT_SECONDS,
        )
    ]


def _seconds_left(limits: list[Limit]) -> int | None:
    """Seconds until the longest window over its limit ends; None when none is."""
    now = int(timezone.now().timestamp())
    over = [
        lim.window_seconds - now % lim.window_seconds
        for lim in limits
        if ratelimit.count(lim.key, window_seconds=lim.window_seconds) >= lim.allowed
    ]
    return max(over) if over else None


def _fail(limits: list[Limit]) -> None:
    for lim in limits:
        ratelimit.hit(lim.key, limit=lim.allowed, window_seconds=lim.window_seconds)


def signin_wait(*, address: str, username: str) -> int | None:
    """Seconds this address must wait before trying ``username`` again; None when it may."""
    return _seconds_left(_limits(address, username))


def signin_failed(*, address: str, username: str) -> None:
    _fail(_limits(address, username))


def token_wait(*, address: str) -> int | None:
    """Seconds this address must wait before an API token is looked up again; None if none.

    Read from this process's cache, not the database, so a good token costs no query: the
    block is set when a failure (counted in the database, across servers) reaches the limit.
    """
    until = cache.get(f"{TOKENS_BLOCKED}{address}")
    if until is None:
        return None
    left = int(until - time.time())
    return left if left > 0 else None


def token_failed(*, address: str) -> None:
    limits = _token_limits(address)
    _fail(limits)
    wait = _seconds_left(limits)
    if wait is not None:
        cache.set(f"{TOKENS_BLOCKED}{address}", time.time() + wait, timeout=wait)


class ThrottledSignIn:
    """Mixin of an authentication form: refuse while throttled, count each failure."""

    request: Any
    data: Any

    def clean(self):
        address = ratelimit.client_address(self.request)
        username = str(self.data.get("username", ""))
        if signin_wait(address=address, username=username) is not None:
            raise ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            return super().clean()  # type: ignore[misc]
        except ValidationError:
            signin_failed(address=address, username=username)
            raise


class ThrottledAuthenticationForm(ThrottledSignIn, AuthenticationForm):
    """The login page's form."""


class ThrottledAdminAuthenticationForm(ThrottledSignIn, AdminAuthenticationForm):
    """Django admin's login form, held to the same limits as the login page."""


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True
