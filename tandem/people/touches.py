"""Touches written in one place: one touch as it happens, and a batch of thousands.

``touch_record`` stores one touch and keeps the contact's first- and last-touch attribution;
``touches_write`` stores a batch sent through the API in a few set-based statements (the batch
door in ``marketing.ingest`` parses and checks the items first) and keeps the same attribution
in bulk. Both paths apply one lifecycle rule for interest: a subscriber (or a recycled contact)
who shows interest (``INTEREST_KINDS``) becomes a lead — at once for one touch
(``touch_interest_move``), after the batch has committed for a batch (``contacts_interest_move``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.ops import rows
from tandem.ops.rows import datetime_from_db
from tandem.people.hooks import contacts_changed_announce
from tandem.people.lifecycle import Stage
from tandem.people.models import (
    CHANNEL_VALUES,
    SENTIMENT_VALUES,
    TOUCH_KIND_VALUES,
    Channel,
    Contact,
    LifecycleMove,
    Sentiment,
    Touch,
    TouchKind,
)
from tandem.people.services import lifecycle_move

UTM_KEYS = ("source", "medium", "campaign", "content", "term")

# --- interest: the lifecycle rule both paths apply -------------------------------------------

# Touches that show interest, and the stages from which interest makes a contact a lead.
INTEREST_KINDS = frozenset(
    {TouchKind.FORM_SUBMISSION, TouchKind.MEETING, TouchKind.CALL, TouchKind.EVENT}
)
INTEREST_STAGES = (Stage.SUBSCRIBER, Stage.RECYCLED)


def touch_interest_move(
    *, contact: Contact, touch: Touch, actor: Any = None, via: str = "ui", unsaved: list[str]
) -> LifecycleMove | None:
    """A subscriber or recycled contact whose touch shows interest becomes a lead; the move, or
    None when the touch or the stage does not call for one. ``unsaved`` as for
    ``people.services.lifecycle_move``: the caller writes the contact."""
    if touch.kind not in INTEREST_KINDS or contact.lifecycle_stage not in INTEREST_STAGES:
        return None
    return lifecycle_move(
        contact=contact,
        to_stage=Stage.LEAD,
        actor=actor,
        via=via,
        reason=f"{touch.get_kind_display()}",
        campaign=touch.campaign,
        unsaved=unsaved,
    )


def contacts_interest_move(*, contact_ids: Iterable[int], reason: str, via: str) -> None:
    """After a batch: the subscribers and recycled contacts among ``contact_ids`` (whose new
    touches showed interest) become leads, each move recorded in its own transaction."""
    interested = sorted(set(contact_ids))
    for start in range(0, len(interested), 2_000):
        # Only the few interested subscribers and recycled contacts move, one by one through
        # the lifecycle service, which records each move.
        movers = Contact.objects.filter(
            pk__in=interested[start : start + 2_000],
            lifecycle_stage__in=INTEREST_STAGES,
        ).order_by("pk")
        for contact in movers:
            with transaction.atomic():
                lifecycle_move(contact=contact, to_stage=Stage.LEAD, reason=reason, via=via)


# --- one touch -------------------------------------------------------------------------------


def touch_record(
    *,
    contact: Contact,
    kind: str,
    channel: str = Channel.OTHER,
    actor: Any = None,
    occurred_at: dt.datetime | None = None,
    campaign: Any = None,
    utm: dict[str, str] | None = None,
    referrer: str = "",
    summary: str = "",
    sentiment: str = "",
    via: str = "ui",
    unsaved: list[str] | None = None,
) -> Touch:
    """Record a touch and keep the contact's first- and last-touch attribution.

    ``unsaved``: when given, the contact row is not written here; the names of the fields
    changed on it are added to the list and the caller writes them (see ``lifecycle_move``)."""
    if kind not in TOUCH_KIND_VALUES:
        raise InvalidInput.field("kind", f"use one of {', '.join(TouchKind.values)}")
    if channel not in CHANNEL_VALUES:
        raise InvalidInput.field("channel", f"use one of {', '.join(Channel.values)}")
    if sentiment and sentiment not in SENTIMENT_VALUES:
        raise InvalidInput.field("sentiment", f"use one of {', '.join(Sentiment.values)}")
    if len(summary) > 2000:
        raise InvalidInput.field("summary", "must be at most 2000 characters")
    utm = {k: (v or "")[:100] for k, v in (utm or {}).items()}
    when = occurred_at or timezone.now()
    touch = rows.row_insert(
        Touch(
            contact=contact,
            account_id=contact.account_id,
            kind=kind,
            channel=channel,
            occurred_at=when,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            campaign=campaign,
            referrer=referrer[:500],
            summary=summary,
            sentiment=sentiment,
            **{f"utm_{k}": utm.get(k, "") for k in UTM_KEYS},
        )
    )
    source = utm.get("source", "") or (campaign.channel if campaign else channel)
    medium = utm.get("medium", "") or channel
    updated = []
    if contact.first_touch_at is None or when < contact.first_touch_at:
        contact.first_touch_at, contact.first_touch_source = when, source
        contact.first_touch_medium, contact.first_touch_campaign = medium, campaign
        updated += [
            "first_touch_at",
            "first_touch_source",
            "first_touch_medium",
            "first_touch_campaign",
        ]
    # Last touch credits marketing: a rep's call or a support note after the campaign that
    # brought the contact in must not wipe that campaign's credit.
    is_attributable = campaign is not None or bool(utm.get("source"))
    if is_attributable and (contact.last_touch_at is None or when >= contact.last_touch_at):
        contact.last_touch_at, contact.last_touch_source = when, source
        contact.last_touch_medium, contact.last_touch_campaign = medium, campaign
        updated += [
            "last_touch_at",
            "last_touch_source",
            "last_touch_medium",
            "last_touch_campaign",
        ]
    if unsaved is not None:
        unsaved.extend(updated)
    elif updated:
        rows.row_update(contact, [*updated, "updated_at"])
    audit.record_created(actor=actor, obj=touch, via=via)
    contacts_changed_announce([contact.pk])
    return touch


# --- a batch ---------------------------------------------------------------------------------

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


@dataclass
class TouchItem:
    """One touch of a batch, checked and with its contact (and account) resolved."""

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


def rows_select_any(
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
        found: list[tuple] = []
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{select}{joiner}{column} IN ({marks})", [*params, *chunk])
            found.extend(cursor.fetchall())
        return found


def touches_write(*, recorder_id: int, items: list[TouchItem], now: dt.datetime) -> set[str]:
    """Store a batch of touches recorded by ``recorder_id`` and bring their contacts' first and
    last touch up to date; the client ids stored now (those stored before are skipped: the
    unique (recorded_by, client_id) constraint guards a racing retry, whose insert fails)."""
    if connection.vendor == "postgresql":
        return _store_in_sql(recorder_id, items, now)
    return _store_in_steps(recorder_id, items, now)


def _touch_row(c: TouchItem, recorder_id: int, adapt: Any, stamp: Any) -> tuple:
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


def _store_in_steps(recorder_id: int, clean: list[TouchItem], now: dt.datetime) -> set[str]:
    """SQLite: the client ids stored before are read, the new touches inserted, and first and
    last touch worked out here. The client ids of the touches stored now are returned."""
    touches = connection.ops.quote_name(Touch._meta.db_table)
    seen = {
        client_id
        for (client_id,) in rows_select_any(
            f"SELECT client_id FROM {touches} WHERE recorded_by_id = %s AND",  # noqa: S608
            "client_id",
            [c.client_id for c in clean],
            params=(recorder_id,),
        )
    }
    fresh = [c for c in clean if c.client_id not in seen]
    if not fresh:
        return set()
    adapt = _time_adapter()
    stamp = adapt(now)
    # The unique (recorded_by, client_id) constraint is the guard: a racing retry makes this
    # insert fail, and the whole batch rolls back — so nothing is ever stored twice.
    _insert(Touch, TOUCH_COLUMNS, [_touch_row(c, recorder_id, adapt, stamp) for c in fresh])
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


def _store_in_sql(recorder_id: int, clean: list[TouchItem], now: dt.datetime) -> set[str]:
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
                copy.write_row((*_touch_row(c, recorder_id, adapt, stamp), c.index))
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


def _attribution_update(fresh: list[TouchItem]) -> None:
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
    for pk, first_at, last_at in rows_select_any(
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
