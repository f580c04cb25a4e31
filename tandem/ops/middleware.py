"""Middleware of the whole site: Content-Security-Policy beside Django's security headers, and
text input cleaned at every door (no NUL, no bidi overrides)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.html import escape

from tandem.core.text_hygiene import text_clean, tree_clean
from tandem.errors import InvalidInput

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


class InputHygieneMiddleware:
    """Every door's text input through :mod:`tandem.core.text_hygiene` before any view reads
    it: form fields, query parameters and JSON bodies. Bidi overrides are dropped; a NUL is
    refused with 422 naming the field (JSON in the API's error format under /api/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.GET = _query_clean(request.GET)  # type: ignore[assignment]  # immutable
            if request.method in {"POST", "PUT", "PATCH"}:
                if request.content_type == "application/json":
                    _json_body_clean(request)
                elif request.content_type in _FORM_TYPES:
                    request.POST = _query_clean(request.POST)  # type: ignore[assignment]
        except InvalidInput as exc:
            return _refused(request, exc)
        return self.get_response(request)


_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _query_clean(query: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        name = text_clean(key, field=key)
        cleaned.setlist(name, [text_clean(v, field=name) for v in values])
    cleaned._mutable = False
    return cleaned


def _json_body_clean(request: HttpRequest) -> None:
    try:
        body = request.body
    except RequestDataTooBig:
        return  # the API meets the same refusal and answers it (413, in its error format)
    if not body:
        return
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON the API could read either: its own parser answers for it
    cleaned = tree_clean(data)
    if cleaned != data:
        request._body = json.dumps(cleaned).encode()  # type: ignore[attr-defined]


def _refused(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    items = [{"field": field, "message": message} for field, message in exc.errors.items()]
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"errors": items}, status=422)
    text = "; ".join(f"{i['field']} {i['message']}" for i in items)
    return HttpResponse(
        f"<!doctype html><title>Not accepted</title><h1>Not accepted</h1><p>{escape(text)}</p>",
        status=422,
    )
