"""Session login with throttling: a few failures per account and address, then a pause."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from tandem.access import ratelimit


def _key(request, username: str) -> str:
    return f"login:{ratelimit.client_address(request)}:{username.strip().lower()}"


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.data.get("username", "")
        key = _key(self.request, username)
        window = settings.TANDEM_LOGIN_LOCKOUT_SECONDS
        if ratelimit.count(key, window_seconds=window) >= settings.TANDEM_LOGIN_FAILURES_ALLOWED:
            raise ValidationError(
                "Too many failed sign-ins. Wait a few minutes and try again.", code="throttled"
            )
        try:
            return super().clean()
        except ValidationError:
            ratelimit.hit(key, limit=settings.TANDEM_LOGIN_FAILURES_ALLOWED, window_seconds=window)
            raise


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True
