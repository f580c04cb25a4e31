"""Security headers of the whole site: Content-Security-Policy beside Django's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# No inline script anywhere: every script is a static file of our own (htmx, nav.js, …).
# Styles may be inline (a few style attributes, htmx's indicator style).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(*, framable: bool = False) -> str:
    """The header's value; a page made to be embedded (a hosted form) leaves out
    ``frame-ancestors`` so other sites may frame it."""
    return "; ".join(
        f"{name} {value}"
        for name, value in CONTENT_SECURITY_POLICY.items()
        if not (framable and name == "frame-ancestors")
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every answer that does not set its own (Django 5.2 has none;
    ``SecurityMiddleware`` sets nosniff, Referrer-Policy and HSTS, ``XFrameOptionsMiddleware``
    X-Frame-Options)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            framable = getattr(response, "xframe_options_exempt", False)
            response["Content-Security-Policy"] = content_security_policy(framable=framable)
        return response
