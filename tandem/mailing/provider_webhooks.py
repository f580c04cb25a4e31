"""The door for a mail provider's tracking webhooks, through django-anymail.

Anymail's views (``/anymail/<provider>/tracking/``) check the basic-auth secret
(``ANYMAIL["WEBHOOK_SECRET"]``) and turn the provider's payload into normalised events, sent
as anymail's ``tracking`` signal; ``tracking_received`` hands bounces, complaints and
unsubscribes to ``services.email_event_record``, the same service as
``POST /api/v1/email-events`` and ``tandem mail_bounces``. Without a secret configured the
webhooks answer 404: an open endpoint would let anyone suppress any address.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern

from tandem.errors import InvalidInput
from tandem.mailing import services

log = logging.getLogger(__name__)

# Anymail's normalised event types → the kind of email event Tandem records. Soft bounces
# come as "deferred" and are not recorded, as in the mailbox path (tandem.mailing.bounces).
EVENT_KINDS = {
    "bounced": services.EventKind.BOUNCE,
    "complained": services.EventKind.COMPLAINT,
    "unsubscribed": services.EventKind.UNSUBSCRIBE,
}


def webhook_secret_configured() -> bool:
    return bool(getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"))


def _secret_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not webhook_secret_configured():
            raise Http404("Mail provider webhooks are off: ANYMAIL_WEBHOOK_SECRET is not set.")
        return view(request, *args, **kwargs)

    return wrapped


def _urlpatterns() -> list[URLPattern]:
    from anymail.urls import urlpatterns as anymail_patterns

    return [
        URLPattern(p.pattern, _secret_required(p.callback), p.default_args, p.name)
        for p in anymail_patterns
        if isinstance(p, URLPattern)
    ]


app_name = "anymail"
urlpatterns = _urlpatterns()


def tracking_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Anymail's ``tracking`` signal: record a bounce, complaint or unsubscribe."""
    kind = EVENT_KINDS.get(event.event_type)
    if kind is None or not event.recipient:
        return
    detail = " ".join(
        part for part in (event.reject_reason, event.description, event.mta_response) if part
    )
    try:
        services.email_event_record(
            kind=kind,
            email=event.recipient,
            detail=detail[:500],
            message_id=str(event.message_id or ""),
            at=event.timestamp,
            via=f"webhook from {esp_name}"[:50],
        )
    except InvalidInput as exc:
        # A malformed address from the provider: nothing to suppress, and a retry would not
        # help, so the provider gets its 200.
        log.warning("ignored a %s event from %s: %s", event.event_type, esp_name, exc.errors)
