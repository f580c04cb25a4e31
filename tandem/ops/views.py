"""The site's answer to an error no view handled: a busy database is a calm 503 with
Retry-After (JSON in the API's error format under /api/), anything else Django's 500 page."""

from __future__ import annotations

import json
import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from tandem.ops import busy

log = logging.getLogger("tandem.ops")


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error format under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"errors": [{"field": None, "message": busy.MESSAGE}]}
        response = HttpResponse(
            json.dumps(body), status=503, content_type="application/json; charset=utf-8"
        )
    else:
        page = render_to_string("503.html", {"retry_after": busy.RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(busy.RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django calls it inside the ``except`` that caught the error, from a view
    or from any middleware (a session saved into a locked database), so the error is at hand."""
    error = sys.exc_info()[1]
    if error is not None and busy.is_busy(error):
        log.warning("database busy on %s %s: %s", request.method, request.path, error)
        return busy_response(request)
    return defaults.server_error(request)
