"""The batch touch door's domain side: thousands of touches stored in a few set-based queries.

An API client sends up to ``BATCH_LIMIT`` touches, each with its own id. The id is stored on
the touch under a unique constraint per sender, so a retried batch stores nothing twice. Each bad
item is reported by index and field while the good ones are stored. After the batch, the
contacts' first/last touch is brought up to date in bulk, and their lifecycle, score and segment
membership are refreshed by a background task once the batch has committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.marketing.models import Campaign
from tandem.ops.rows import datetime_from_db
from tandem.people.models import Channel, Contact, Sentiment, Touch, TouchKind

BATCH_LIMIT = 5_000
UTM_KEYS = ("source", "medium", "campaign", "content", "term")
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
ATTRIBUTION_FIELDS = (
    "first_touch_at",
    "first_touch_source",
    "first_touch_medium",
    "first_touch_campaign_id",
    "last_touch_at",
    "last_touch_source",
    "last_touch_medium",
    "last_touch_campaign_id",
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


@dataclass
class _Clean:
    index: int
    client_id: str
    contact_id: int | None
    email: str
    kind: str
    channel: str
    occurred_at: dt.datetime
    campaign_id: int | None
    utm: dict[str, str]
    referrer: str
    summary: str
    sentiment: str
    account_id: int | None = None


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


def _clean_item(index: int, item: Any, now: dt.datetime) -> _Clean | list[ItemError]:
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
    return _Clean(
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
    clean: list[_Clean] = []
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


def _resolve_references(actor: Any, clean: list[_Clean], result: IngestResult) -> list[_Clean]:
    """Contacts by id or email and campaigns by id, each looked up once for the whole batch.

    The contact's account comes with it: the touch is stored against both."""
    ids = {c.contact_id for c in clean if c.contact_id is not None}
    emails = {c.email for c in clean if c.contact_id is None}
    table = connection.ops.quote_name(Contact._meta.db_table)
    by_id = dict(_select_any(f"SELECT id, account_id FROM {table}", "id", ids))  # noqa: S608
    by_email = {
        email: (pk, account_id)
        for email, pk, account_id in _select_any(
            f"SELECT email, id, account_id FROM {table}",  # noqa: S608
            "email",
            emails,
        )
    }
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


def _campaigns_by_utm(clean: list[_Clean]) -> None:
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


def _select_any(
    select: str, column: str, values: Iterable[Any], params: tuple = (), size: int = 2_000
) -> list[tuple]:
    """Rows of ``select`` (a query without WHERE, or whose WHERE ends in AND) whose ``column``
    is one of ``values``: one query with an array on PostgreSQL, ``IN`` lists of ``size`` on
    SQLite (its limit on host parameters). Raw rows: the ORM's per-row work costs more than the
    lookup itself at 5,000 rows a batch."""
    values = list(values)
    if not values:
        return []
    joiner = " " if select.rstrip().endswith("AND") else " WHERE "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select}{joiner}{column} = ANY(%s)", [*params, values])
            return cursor.fetchall()
        rows: list[tuple] = []
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{select}{joiner}{column} IN ({marks})", [*params, *chunk])
            rows.extend(cursor.fetchall())
        return rows


@transaction.atomic
def _store(actor: Any, clean: list[_Clean], result: IngestResult, now: dt.datetime) -> None:
    if connection.vendor == "postgresql":
        stored = _store_in_sql(actor, clean, now)
    else:
        stored = _store_in_steps(actor, clean, now)
    fresh = [c for c in clean if c.client_id in stored]
    result.stored = [c.client_id for c in fresh]
    result.duplicates = [c.client_id for c in clean if c.client_id not in stored]
    result.contact_ids = sorted({c.contact_id for c in fresh if c.contact_id is not None})
    if not fresh:
        return
    interest = sorted({c.contact_id for c in fresh if c.kind in INTEREST_KINDS and c.contact_id})
    from tandem.marketing.tasks import contacts_touched_refresh

    contact_ids = result.contact_ids
    transaction.on_commit(lambda: contacts_touched_refresh.enqueue(contact_ids, interest))


def _touch_row(c: _Clean, recorder_id: int, adapt: Any, stamp: Any) -> tuple:
    return (
        c.contact_id,
        c.account_id,
        c.kind,
        c.channel,
        adapt(c.occurred_at),
        recorder_id,
        c.client_id,
        c.campaign_id,
        *(c.utm[k] for k in UTM_KEYS),
        c.referrer,
        c.summary,
        c.sentiment,
        stamp,
    )


def _store_in_steps(actor: Any, clean: list[_Clean], now: dt.datetime) -> set[str]:
    """SQLite: the client ids stored before are read, the new touches inserted, and first and
    last touch worked out here. The client ids of the touches stored now are returned."""
    touches = connection.ops.quote_name(Touch._meta.db_table)
    seen = {
        client_id
        for (client_id,) in _select_any(
            f"SELECT client_id FROM {touches} WHERE recorded_by_id = %s AND",  # noqa: S608
            "client_id",
            [c.client_id for c in clean],
            params=(actor.pk,),
        )
    }
    fresh = [c for c in clean if c.client_id not in seen]
    if not fresh:
        return set()
    adapt = _time_adapter()
    stamp = adapt(now)
    # The unique (recorded_by, client_id) constraint is the guard: a racing retry makes this
    # insert fail, and the whole batch rolls back — so nothing is ever stored twice.
    _insert(Touch, TOUCH_COLUMNS, [_touch_row(c, actor.pk, adapt, stamp) for c in fresh])
    _attribution_update(fresh)
    return {c.client_id for c in fresh}


# The batch's items, streamed in by COPY; gone at commit.
_BATCH_TABLE = "tandem_touch_batch"
# PostgreSQL types of TOUCH_COLUMNS and the item number, for the binary COPY.
_BATCH_TYPES = [
    "int8",  # contact_id
    "int8",  # account_id
    "varchar",  # kind
    "varchar",  # channel
    "timestamptz",  # occurred_at
    "int8",  # recorded_by_id
    "varchar",  # client_id
    "int8",  # campaign_id
    *["varchar"] * 5,  # utm_*
    "varchar",  # referrer
    "text",  # summary
    "varchar",  # sentiment
    "timestamptz",  # created_at
    "int4",  # item
]


def _store_in_sql(actor: Any, clean: list[_Clean], now: dt.datetime) -> set[str]:
    """PostgreSQL: the items are copied into a temporary table, and one statement inserts the
    new ones (a client id the sender used before is skipped by ``ON CONFLICT``), brings each
    touched contact's first and last touch up to date from the rows it inserted, and returns
    their client ids. Nothing is read first and no arrays are shipped: at 5,000 touches a
    batch, reading the stored client ids back and sending first/last candidates as arrays cost
    more than the insert."""
    adapt = _time_adapter()
    stamp = adapt(now)
    quote = connection.ops.quote_name
    touches = quote(Touch._meta.db_table)
    contacts = quote(Contact._meta.db_table)
    columns = ", ".join(map(quote, TOUCH_COLUMNS))
    with connection.cursor() as cursor:
        # Only names from the models and fixed SQL are formatted into these statements.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_BATCH_TABLE} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns}, 0 AS item FROM {touches} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {_BATCH_TABLE}")  # noqa: S608 — an earlier batch, same transaction
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        # Binary: the server takes the values as they are instead of parsing 5,000 rows of text.
        with raw.copy(f"COPY {_BATCH_TABLE} ({columns}, item) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_BATCH_TYPES)
            for c in clean:
                copy.write_row((*_touch_row(c, actor.pk, adapt, stamp), c.index))
        source = "COALESCE(NULLIF(utm_source, ''), channel)"
        medium = "COALESCE(NULLIF(utm_medium, ''), channel)"

        def picked(p: str) -> str:
            return f"occurred_at AS {p}a, {source} AS {p}s, {medium} AS {p}m, campaign_id AS {p}c"

        is_first = "(t.first_touch_at IS NULL OR v.fa < t.first_touch_at)"
        is_last = "(v.la IS NOT NULL AND (t.last_touch_at IS NULL OR v.la >= t.last_touch_at))"
        short = ("fa", "fs", "fm", "fc", "la", "ls", "lm", "lc")
        assignments = ", ".join(
            f"{f} = CASE WHEN {is_first if n < 4 else is_last} THEN v.{short[n]} ELSE t.{f} END"
            for n, f in enumerate(ATTRIBUTION_FIELDS)
        )
        cursor.execute(
            f"WITH stored AS ("  # noqa: S608
            f"  INSERT INTO {touches} ({columns}) SELECT {columns} FROM {_BATCH_TABLE} "
            "   ORDER BY item ON CONFLICT (recorded_by_id, client_id) DO NOTHING "
            "   RETURNING client_id, contact_id, occurred_at, channel, utm_source, utm_medium, "
            "   campaign_id), "
            f"new AS (SELECT s.*, b.item FROM stored s JOIN {_BATCH_TABLE} b USING (client_id)), "
            # The earliest touch is the first touch (ties: the earlier item); the latest
            # creditable one (a campaign or a UTM source) the last touch (ties: the later item).
            f"firsts AS (SELECT DISTINCT ON (contact_id) contact_id, {picked('f')} FROM new "
            "   ORDER BY contact_id, occurred_at, item), "
            f"lasts AS (SELECT DISTINCT ON (contact_id) contact_id, {picked('l')} FROM new "
            "   WHERE campaign_id IS NOT NULL OR utm_source <> '' "
            "   ORDER BY contact_id, occurred_at DESC, item DESC), "
            "v AS (SELECT f.contact_id AS id, fa, fs, fm, fc, la, ls, lm, lc FROM firsts AS f "
            "   LEFT JOIN lasts AS l ON l.contact_id = f.contact_id), "
            f"moved AS (UPDATE {contacts} AS t SET {assignments}, updated_at = %s FROM v "
            f"   WHERE t.id = v.id AND ({is_first} OR {is_last}) RETURNING 1) "
            "SELECT client_id FROM stored",
            [now],
        )
        return {client_id for (client_id,) in cursor.fetchall()}


INTEREST_KINDS = frozenset(
    {TouchKind.FORM_SUBMISSION, TouchKind.MEETING, TouchKind.CALL, TouchKind.EVENT}
)


TOUCH_COLUMNS = (
    "contact_id",
    "account_id",
    "kind",
    "channel",
    "occurred_at",
    "recorded_by_id",
    "client_id",
    "campaign_id",
    *(f"utm_{k}" for k in UTM_KEYS),
    "referrer",
    "summary",
    "sentiment",
    "created_at",
)
# Rows per INSERT statement: well under SQLite's 32,766 parameters and PostgreSQL's 65,535.
INSERT_CHUNK = 500


def _time_adapter() -> Any:
    """How a datetime is written by these raw inserts, as Django's backend would write it."""
    if connection.vendor == "sqlite":
        # Django stores UTC without an offset on SQLite (connection time zone UTC); the
        # generic adapter costs a settings lookup per value, 15,000 times a batch.
        utc = connection.timezone

        def adapt(value: dt.datetime | None) -> str | None:
            if value is None:
                return None
            return str(value.astimezone(utc).replace(tzinfo=None))

        return adapt
    return connection.ops.adapt_datetimefield_value


def _insert(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """SQLite: multi-row INSERTs of already adapted values (the ORM's bulk_create spends most
    of a 5,000-touch batch preparing field values one by one). PostgreSQL copies instead, in
    ``_store_in_sql``."""
    quote = connection.ops.quote_name
    names = ", ".join(map(quote, columns))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])


def _attribution_update(fresh: list[_Clean]) -> None:
    """First and last touch as ``people.services.touch_record`` keeps them, for many contacts.

    The earliest touch becomes the first touch (on a tie, the one already stored, then the
    earlier item); the latest touch that marketing can be credited for (a campaign or a UTM
    source) becomes the last touch (on a tie, the later item). Each contact's candidates are
    picked here; only contacts whose first or last touch changes are written.
    """
    first: dict[int, tuple] = {}
    last: dict[int, tuple] = {}
    for c in sorted(fresh, key=lambda c: c.occurred_at):  # stable: ties keep the item order
        pk = c.contact_id
        assert pk is not None  # resolved before storing
        source = c.utm["source"] or c.channel
        medium = c.utm["medium"] or c.channel
        values = (c.occurred_at, source[:100], medium[:100], c.campaign_id)
        first.setdefault(pk, values)
        if c.campaign_id is not None or c.utm["source"]:
            last[pk] = values
    changed: dict[int, dict[str, Any]] = {}
    table = connection.ops.quote_name(Contact._meta.db_table)
    columns = ("id", "first_touch_at", "last_touch_at")
    for pk, first_at, last_at in _select_any(
        f"SELECT {', '.join(columns)} FROM {table}",  # noqa: S608
        "id",
        first,
    ):
        first_at, last_at = datetime_from_db(first_at), datetime_from_db(last_at)
        row: dict[str, Any] = {}
        if first_at is None or first[pk][0] < first_at:
            row.update(zip(ATTRIBUTION_FIELDS[:4], first[pk], strict=True))
        if pk in last and (last_at is None or last[pk][0] >= last_at):
            row.update(zip(ATTRIBUTION_FIELDS[4:], last[pk], strict=True))
        if row:
            changed[pk] = row
    if not changed:
        return
    # Contacts whose first and last touch both change are written apart from the ones where
    # only one does, each group with one statement naming only the columns it sets.
    adapt = _time_adapter()
    stamp = adapt(timezone.now())
    groups: dict[tuple[str, ...], list[tuple]] = {}
    for pk, row in changed.items():
        fields = tuple(row)
        values = tuple(adapt(row[f]) if f.endswith("_at") else row[f] for f in fields)
        groups.setdefault(fields, []).append((*values, stamp, pk))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for fields, params in groups.items():
            assignments = ", ".join(f"{quote(f)} = %s" for f in (*fields, "updated_at"))
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", params)  # noqa: S608
