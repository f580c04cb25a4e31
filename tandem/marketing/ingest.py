"""The batch touch door's domain side: thousands of touches stored in a few set-based queries.

An API client sends up to ``BATCH_LIMIT`` touches, each with its own id. The id is stored on
the touch under a unique constraint per sender, so a retried batch stores nothing twice. Each bad
item is reported by index and field while the good ones are stored. The touches are written
by ``people.touches.touches_write``, which brings the contacts' first/last touch up to date in
bulk; their lifecycle, score and segment membership are refreshed by a background task once the
batch has committed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.marketing.models import Campaign
from tandem.marketing.tasks import contacts_touched_refresh
from tandem.people import touches
from tandem.people.models import Channel, Contact, EmailAlias, Sentiment, TouchKind
from tandem.people.touches import UTM_KEYS, TouchItem, rows_select_any

BATCH_LIMIT = 5_000
KNOWN_FIELDS = frozenset(
    {
        "client_id",
        "contact_id",
        "email",
        "kind",
        "channel",
        "occurred_at",
        "campaign_id",
        "referrer",
        "summary",
        "sentiment",
        *(f"utm_{k}" for k in UTM_KEYS),
    }
)
# A touch dated far in the future is a client's clock or unit bug (milliseconds as seconds).
FUTURE_SLACK = dt.timedelta(days=1)
_is_url = URLValidator(schemes=["http", "https"])
# Computed once: an enum's .values builds a new list on every call, 5,000 times a batch.
KINDS, CHANNELS, SENTIMENTS = (
    frozenset(TouchKind.values),
    frozenset(Channel.values),
    frozenset(Sentiment.values),
)


@dataclass(frozen=True)
class ItemError:
    index: int
    field: str
    message: str


@dataclass
class IngestResult:
    """What became of the batch: ids stored now, ids already stored before, and bad items."""

    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)


def _text(item: dict[str, Any], name: str, limit: int, problems: list[tuple[str, str]]) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append((name, "must be text"))
        return ""
    value = value.strip()
    if len(value) > limit:
        problems.append((name, f"must be at most {limit} characters"))
    return value


UTM_FIELDS = tuple((k, f"utm_{k}") for k in UTM_KEYS)


def _parse_when(value: str) -> dt.datetime | None:
    """ISO 8601 as clients send it; the standard library's parser first (several times faster
    than Django's, 5,000 times a batch), Django's for the forms it alone accepts."""
    try:
        # A date alone is not a moment: refused, as Django's parser refuses it.
        return dt.datetime.fromisoformat(value) if len(value) > 10 else None
    except ValueError:
        try:
            return parse_datetime(value)
        except ValueError:
            return None


def _clean_item(index: int, item: Any, now: dt.datetime) -> TouchItem | list[ItemError]:
    """One item checked on its own; every problem is named by its field."""
    if not isinstance(item, dict):
        return [ItemError(index, "", "each touch must be an object")]
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(item) - KNOWN_FIELDS)
    if unknown:
        problems.append((unknown[0], "is not a touch field"))
    client_id = _text(item, "client_id", 100, problems)
    if not client_id and not any(f == "client_id" for f, _ in problems):
        problems.append(("client_id", "is required: your own id for this touch"))
    contact_id = item.get("contact_id")
    email = _text(item, "email", 254, problems).lower()
    if contact_id is not None and (isinstance(contact_id, bool) or not isinstance(contact_id, int)):
        problems.append(("contact_id", "must be a whole number"))
        contact_id = None
    if contact_id is None and not email and not any(f == "email" for f, _ in problems):
        problems.append(("contact_id", "give contact_id or email"))
    # An email is checked for form only when no contact has it (_resolve_references): every
    # stored address was checked when its contact was made.
    kind = item.get("kind")
    if kind not in KINDS:
        problems.append(("kind", f"use one of {', '.join(TouchKind.values)}"))
    channel = item.get("channel", Channel.OTHER) or Channel.OTHER
    if channel not in CHANNELS:
        problems.append(("channel", f"use one of {', '.join(Channel.values)}"))
    occurred_at = now
    raw_when = item.get("occurred_at")
    if raw_when not in (None, ""):
        parsed = _parse_when(raw_when) if isinstance(raw_when, str) else None
        if parsed is None:
            problems.append(("occurred_at", "must be an ISO 8601 date and time"))
        else:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed, dt.UTC)
            if parsed > now + FUTURE_SLACK:
                problems.append(("occurred_at", "is in the future"))
            occurred_at = parsed
    campaign_id = item.get("campaign_id")
    if campaign_id is not None and (
        isinstance(campaign_id, bool) or not isinstance(campaign_id, int)
    ):
        problems.append(("campaign_id", "must be a whole number"))
        campaign_id = None
    utm = {k: _text(item, name, 100, problems) if name in item else "" for k, name in UTM_FIELDS}
    referrer = _text(item, "referrer", 500, problems)
    if referrer:
        try:
            _is_url(referrer)
        except ValidationError:
            problems.append(("referrer", "must be a web address"))
    summary = _text(item, "summary", 2000, problems)
    sentiment = _text(item, "sentiment", 10, problems)
    if sentiment and sentiment not in SENTIMENTS:
        problems.append(("sentiment", f"use one of {', '.join(Sentiment.values)}"))
    if problems:
        return [ItemError(index, f, m) for f, m in problems]
    return TouchItem(
        index=index,
        client_id=client_id,
        contact_id=contact_id,
        email=email,
        kind=str(kind),
        channel=channel,
        occurred_at=occurred_at,
        campaign_id=campaign_id,
        utm=utm,
        referrer=referrer,
        summary=summary,
        sentiment=sentiment,
    )


def touches_ingest(*, actor: Any, items: list[Any]) -> IngestResult:
    """Store a batch of touches sent by ``actor`` (an API token's owner).

    Returns which client ids were stored, which had been stored before (a retry), and each bad
    item by index and field. Good items are stored even when others are bad.
    """
    policies.require(actor, "create", "touch")
    if not isinstance(items, list):
        raise InvalidInput.field("items", "must be a list of touches")
    if len(items) > BATCH_LIMIT:
        raise InvalidInput.field("items", f"send at most {BATCH_LIMIT:,} touches per batch")
    now = timezone.now()
    result = IngestResult()
    clean: list[TouchItem] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        checked = _clean_item(index, item, now)
        if isinstance(checked, list):
            result.errors.extend(checked)
        elif checked.client_id in first_index:
            result.errors.append(
                ItemError(
                    index,
                    "client_id",
                    f"repeats the client_id of item {first_index[checked.client_id]}",
                )
            )
        else:
            first_index[checked.client_id] = index
            clean.append(checked)
    clean = _resolve_references(actor, clean, result)
    for attempt in range(2):
        try:
            _store(actor, clean, result, now)
            break
        except IntegrityError:
            # Another request stored some of these client ids between our read and our insert
            # (two retries of one batch at once). The whole store rolled back; read again.
            if attempt:
                raise
            result.stored, result.duplicates = [], []
    result.errors.sort(key=lambda e: (e.index, e.field))
    return result


def _resolve_references(
    actor: Any, clean: list[TouchItem], result: IngestResult
) -> list[TouchItem]:
    """Contacts by id or email and campaigns by id, each looked up once for the whole batch.

    The contact's account comes with it: the touch is stored against both."""
    ids = {c.contact_id for c in clean if c.contact_id is not None}
    emails = {c.email for c in clean if c.contact_id is None}
    table = connection.ops.quote_name(Contact._meta.db_table)
    by_id = dict(rows_select_any(f"SELECT id, account_id FROM {table}", "id", ids))  # noqa: S608
    by_email = {
        email: (pk, account_id)
        for email, pk, account_id in rows_select_any(
            f"SELECT email, id, account_id FROM {table}",  # noqa: S608
            "email",
            emails,
        )
    }
    missing = emails - by_email.keys()
    if missing:
        # An address merged away (people's EmailAlias) lands on the contact it was merged into.
        aliases = connection.ops.quote_name(EmailAlias._meta.db_table)
        found = rows_select_any(
            f"SELECT a.email, c.id, c.account_id FROM {aliases} a "  # noqa: S608
            f"JOIN {table} c ON c.id = a.contact_id",
            "a.email",
            missing,
        )
        by_email.update({email: (pk, account_id) for email, pk, account_id in found})
    campaign_ids = {c.campaign_id for c in clean if c.campaign_id is not None}
    campaigns = set(
        policies.visible(
            actor, "campaign", Campaign.objects.filter(pk__in=campaign_ids)
        ).values_list("pk", flat=True)
    )
    kept = []
    for c in clean:
        if c.contact_id is not None and c.contact_id not in by_id:
            result.errors.append(ItemError(c.index, "contact_id", f"no contact {c.contact_id}"))
            continue
        if c.contact_id is None:
            if c.email not in by_email:
                result.errors.append(ItemError(c.index, "email", _unknown_email(c.email)))
                continue
            c.contact_id, c.account_id = by_email[c.email]
        else:
            c.account_id = by_id[c.contact_id]
        if c.campaign_id is not None and c.campaign_id not in campaigns:
            result.errors.append(
                ItemError(c.index, "campaign_id", f"no campaign {c.campaign_id} you may see")
            )
            continue
        kept.append(c)
    _campaigns_by_utm(kept)
    return kept


def _unknown_email(email: str) -> str:
    try:
        validate_email(email)
    except ValidationError:
        return f"'{email}' is not a valid email address"
    return f"no contact with {email}"


def _campaigns_by_utm(clean: list[TouchItem]) -> None:
    """A touch with utm_campaign and no campaign_id is credited as a form's would be."""
    slugs = {
        slugify(c.utm["campaign"]) for c in clean if c.campaign_id is None and c.utm["campaign"]
    }
    if not slugs:
        return
    found = dict(Campaign.objects.filter(utm_campaign__in=slugs).values_list("utm_campaign", "pk"))
    for c in clean:
        if c.campaign_id is None and c.utm["campaign"]:
            c.campaign_id = found.get(slugify(c.utm["campaign"]))


@transaction.atomic
def _store(actor: Any, clean: list[TouchItem], result: IngestResult, now: dt.datetime) -> None:
    stored = touches.touches_write(recorder_id=actor.pk, items=clean, now=now)
    fresh = [c for c in clean if c.client_id in stored]
    result.stored = [c.client_id for c in fresh]
    result.duplicates = [c.client_id for c in clean if c.client_id not in stored]
    result.contact_ids = sorted({c.contact_id for c in fresh if c.contact_id is not None})
    if not fresh:
        return
    interest = sorted(
        {c.contact_id for c in fresh if c.kind in touches.INTEREST_KINDS and c.contact_id}
    )
    contact_ids = result.contact_ids
    transaction.on_commit(lambda: contacts_touched_refresh.enqueue(contact_ids, interest))
