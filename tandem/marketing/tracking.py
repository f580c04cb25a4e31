"""Web tracking: anonymous page visits keyed by a first-party visitor id, joined to a contact
when the visitor sends a form (their earlier visits become the contact's touches)."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tandem.access import ratelimit
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing.models import Campaign, Visit
from tandem.people import touches
from tandem.people.models import Channel, Contact, TouchKind

VISITOR_COOKIE = "tdm_vid"
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
UTM_KEYS = ("source", "medium", "campaign", "content", "term")
# The most visits one form submission turns into touches: a bot's history must not flood a
# timeline, and the oldest visits matter least.
JOIN_LIMIT = 100
_is_url = URLValidator(schemes=["http", "https"])

MEDIUM_CHANNELS = {
    "email": Channel.EMAIL,
    "cpc": Channel.SEARCH,
    "ppc": Channel.SEARCH,
    "paid_search": Channel.SEARCH,
    "paid_social": Channel.PAID_SOCIAL,
    "social": Channel.ORGANIC_SOCIAL,
    "organic": Channel.ORGANIC_SEARCH,
    "referral": Channel.REFERRAL,
    "event": Channel.EVENTS,
    "webinar": Channel.WEBINAR,
    "partner": Channel.PARTNER,
    "pr": Channel.PR,
    "content": Channel.CONTENT,
}


def channel_from_utm(medium: str) -> str:
    if not medium:
        return Channel.DIRECT
    return MEDIUM_CHANNELS.get(medium.lower(), Channel.OTHER)


def campaign_for_utm(utm_campaign: str) -> Campaign | None:
    if not utm_campaign:
        return None
    return Campaign.objects.filter(utm_campaign=slugify(utm_campaign)).first()


def visitor_id_new() -> str:
    return secrets.token_urlsafe(18)


def visitor_id_clean(raw: Any) -> str:
    """The visitor id if it has the shape we hand out, else empty (never trusted further)."""
    value = str(raw or "").strip()
    return value if VISITOR_ID.match(value) else ""


def web_address_clean(raw: Any, field: str, *, required: bool) -> str:
    """An http(s) address of at most 500 characters, or empty if blank and not required;
    anything else raises ``InvalidInput`` naming ``field``."""
    value = str(raw or "").strip()
    if not value:
        if required:
            raise InvalidInput.field(field, "the page address is required")
        return ""
    if len(value) > 500:
        raise InvalidInput.field(field, "must be at most 500 characters")
    try:
        _is_url(value)
    except ValidationError:
        raise InvalidInput.field(field, "must be an http(s) address") from None
    return value


def visit_record(
    *, visitor_id: str, url: Any, referrer: Any = "", client_address: str = ""
) -> Visit:
    """Record one page visit. The UTM tags are read from the page address itself. A visitor
    already known (they sent a form before) gets the visit as a touch at once."""
    vid = visitor_id_clean(visitor_id)
    if not vid:
        raise InvalidInput.field("vid", "not a visitor id")
    if not ratelimit.hit(
        f"visit:{client_address or 'unknown'}",
        limit=settings.TANDEM_VISITS_PER_HOUR,
        window_seconds=3600,
    ):
        raise InvalidInput.field("", "too many visits from this address")
    page = web_address_clean(url, "u", required=True)
    ref = web_address_clean(referrer, "r", required=False)
    query = {k.lower(): v for k, v in parse_qsl(urlsplit(page).query)}
    utm = {k: query.get(f"utm_{k}", "")[:100] for k in UTM_KEYS}
    known = (
        Visit.objects.filter(visitor_id=vid, contact__isnull=False)
        .values_list("contact_id", flat=True)
        .first()
    )
    with transaction.atomic():
        visit = Visit.objects.create(
            visitor_id=vid,
            url=page,
            referrer=ref,
            visited_at=timezone.now(),
            **{f"utm_{k}": v for k, v in utm.items()},
        )
        if known:
            contact = Contact.objects.get(pk=known)
            _visit_touch(visit, contact, rescore=True)
    return visit


def _visit_touch(visit: Visit, contact: Contact, *, rescore: bool) -> None:
    utm = {k: getattr(visit, f"utm_{k}") for k in UTM_KEYS}
    campaign = campaign_for_utm(utm["campaign"])
    fields: dict[str, Any] = {
        "contact": contact,
        "kind": TouchKind.PAGE_VISIT,
        "channel": campaign.channel if campaign else channel_from_utm(utm["medium"]),
        "occurred_at": visit.visited_at,
        "campaign": campaign,
        "utm": utm,
        "referrer": visit.referrer,
        "summary": f"Visited {visit.url}"[:2000],
        "via": "tracking",
    }
    touch = handoff.touch_log(**fields) if rescore else touches.touch_record(**fields)
    visit.contact, visit.touch = contact, touch
    visit.save(update_fields=["contact", "touch"])


def visits_join(*, visitor_id: str, contact: Contact) -> int:
    """The visitor's visits not yet joined become touches of ``contact``, oldest first (so
    first-touch attribution credits the page that first brought them). Returns how many."""
    vid = visitor_id_clean(visitor_id)
    if not vid:
        return 0
    visits = list(
        Visit.objects.filter(visitor_id=vid, contact__isnull=True).order_by("-visited_at")[
            :JOIN_LIMIT
        ]
    )
    for visit in reversed(visits):
        _visit_touch(visit, contact, rescore=False)
    return len(visits)
