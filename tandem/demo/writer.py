"""Writing a simulated chunk: ids reserved up front, rows inserted as plain tuples.

The ORM's ``bulk_create`` prepares every value of every row in Python (about 100 µs a row on
SQLite, which caps a batch at 999 parameters); a million contacts bring some ten million rows,
so the rows here are tuples already in the database's form, written by ``tandem.ops.rows``
(``executemany`` on SQLite, ``COPY`` on PostgreSQL), as the import writes its rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

from tandem.demo.journey.base import day_of
from tandem.demo.world import Chunk, ContactSim, World
from tandem.handoff.models import Lead
from tandem.marketing.models import FormSubmission
from tandem.ops.rows import ids_reserve, tuples_insert, tuples_update
from tandem.people.models import Account, Consent, Contact, LifecycleMove, Touch
from tandem.sales.models import Deal, DealStageMove

TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")
ATTRIBUTION_KINDS = frozenset({"page_visit", "form_submission", "email_click"})


class RowWriter:
    """Inserts rows of one model at a time on the default connection (SQLite or PostgreSQL)."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(f"tandem demo supports SQLite and PostgreSQL, not {self.vendor}")
        self.at: Callable[[int], Any] = self._sqlite_at if self.vendor == "sqlite" else self._pg_at
        self.day: Callable[[int], Any] = (
            (lambda ts: day_of(ts).isoformat()) if self.vendor == "sqlite" else day_of
        )
        self.json_field = FormSubmission._meta.get_field("data")
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                # A bigger page cache keeps the unique-email and touch indexes off the disk
                # while a million rows go in; this connection only, freed when it closes.
                cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB

    @staticmethod
    def _sqlite_at(ts: int) -> str:
        # What Django's SQLite backend stores for an aware datetime: naive UTC text.
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))

    @staticmethod
    def _pg_at(ts: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC)

    def json(self, value: Any) -> Any:
        return self.json_field.get_db_prep_save(value, connection)

    def reserve_ids(self, model: type[Model], count: int) -> Sequence[int]:
        """``count`` primary keys nobody else will get. Call inside the chunk's transaction."""
        return ids_reserve(model, count)

    def insert(self, model: type[Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert ``rows`` (values in the order of ``fields``, attribute names, already in the
        database's form: ``at``, ``day`` and ``json`` make them so)."""
        return tuples_insert(model, fields, rows, prepared=True)


def rows_update(model: type[Model], fields: Sequence[str], objs: Iterable[Model]) -> int:
    """Write ``fields`` of each of ``objs`` back by primary key, prepared by each field.

    Django's ``bulk_update`` writes one ``CASE WHEN pk = … THEN …`` per row for every field,
    which a database evaluates row by row against the whole list: fine for thousands of rows,
    tens of minutes for the hundreds of thousands of a million-contact demo.
    """
    by_name = {f.name: f for f in model._meta.concrete_fields}
    concrete = [by_name[name] for name in fields]
    return tuples_update(
        model,
        [f.attname for f in concrete],
        (
            (*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete), obj.pk)
            for obj in objs
        ),
        prepared=True,
    )


def chunk_write(chunk: Chunk, world: World, writer: RowWriter) -> dict[str, int]:
    """Insert a simulated chunk. Returns rows written per table. Call inside a transaction."""
    at, day = writer.at, writer.day
    contacts = chunk.contacts
    account_ids = writer.reserve_ids(Account, len(chunk.accounts))
    for account in chunk.accounts:
        account.index = account_ids[account.index]
    counts = {
        "accounts": writer.insert(
            Account,
            (
                "id",
                "name",
                "domain",
                "industry",
                "size_band",
                "region",
                "owner_id",
                "created_at",
                "updated_at",
            ),
            (
                (
                    a.index,
                    a.name,
                    a.domain,
                    a.industry,
                    a.size_band,
                    a.region,
                    a.owner,
                    at(a.created),
                    at(a.created),
                )
                for a in chunk.accounts
            ),
        )
    }

    contact_ids = writer.reserve_ids(Contact, len(contacts))
    touch_total = sum(len(c.touches) for c in contacts)
    touch_ids = iter(writer.reserve_ids(Touch, touch_total))
    touch_id: dict[int, int] = {}  # id(touch list) -> pk, for form submissions
    for contact in contacts:
        contact.index = contact_ids[contact.index]
        for touch in contact.touches:
            touch_id[id(touch)] = next(touch_ids)
    counts["contacts"] = writer.insert(
        Contact,
        (
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "account_id",
            "audience_flags",
            "owner_id",
            "lifecycle_stage",
            "lifecycle_changed_at",
            "score",
            "first_touch_at",
            "first_touch_source",
            "first_touch_medium",
            "first_touch_campaign_id",
            "last_touch_at",
            "last_touch_source",
            "last_touch_medium",
            "last_touch_campaign_id",
            "created_at",
            "updated_at",
        ),
        (_contact_row(c, at) for c in contacts),
    )
    counts["touches"] = writer.insert(
        Touch,
        (
            "id",
            "contact_id",
            "account_id",
            "kind",
            "channel",
            "occurred_at",
            "recorded_by_id",
            "campaign_id",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "utm_term",
            "referrer",
            "summary",
            "sentiment",
            "created_at",
        ),
        (_touch_row(c, t, touch_id[id(t)], at) for c in contacts for t in c.touches),
    )
    counts["form_submissions"] = writer.insert(
        FormSubmission,
        (
            "form_id",
            "contact_id",
            "touch_id",
            "data",
            "consent_given",
            "consent_wording",
            "client_address",
            "submitted_at",
        ),
        (
            _submission_row(c, touch, form, consent, touch_id[id(touch)], writer)
            for c in contacts
            for touch, form, consent in c.forms
        ),
    )
    counts["consents"] = writer.insert(
        Consent,
        (
            "contact_id",
            "channel",
            "is_granted",
            "source",
            "wording",
            "recorded_at",
        ),
        ((c.index, *c.consent[:4], at(c.consent[4])) for c in contacts if c.consent),
    )
    counts["lifecycle_moves"] = writer.insert(
        LifecycleMove,
        (
            "contact_id",
            "from_stage",
            "to_stage",
            "moved_at",
            "moved_by_id",
            "reason",
            "campaign_id",
        ),
        (
            (c.index, m[1], m[2], at(m[0]), m[3], m[4][:500], m[5])
            for c in contacts
            for m in c.moves
        ),
    )

    leads = [lead for c in contacts for lead in c.leads]
    lead_ids = writer.reserve_ids(Lead, len(leads))
    for lead, pk in zip(leads, lead_ids, strict=True):
        lead.index = pk
    counts["leads"] = writer.insert(
        Lead,
        (
            "id",
            "contact_id",
            "campaign_id",
            "score_at_handoff",
            "assigned_to_id",
            "handed_off_at",
            "status",
            "decided_at",
            "decided_by_id",
            "rejection_reason",
            "rejection_note",
        ),
        (
            (
                lead.index,
                lead.contact.index,
                lead.campaign,
                lead.score,
                lead.rep,
                at(lead.handed),
                lead.status,
                at(lead.decided) if lead.decided else None,
                lead.decider,
                lead.reason,
                lead.note,
            )
            for lead in leads
        ),
    )

    deals = [deal for c in contacts for deal in c.deals]
    deal_ids = writer.reserve_ids(Deal, len(deals))
    for deal, pk in zip(deals, deal_ids, strict=True):
        deal.index = pk
    pipeline = world.stages.pipeline
    counts["deals"] = writer.insert(
        Deal,
        (
            "id",
            "name",
            "account_id",
            "contact_id",
            "owner_id",
            "pipeline_id",
            "stage_id",
            "amount",
            "expected_close_on",
            "source_campaign_id",
            "lead_id",
            "is_repeat_purchase",
            "private_notes",
            "lost_reason",
            "created_at",
            "closed_at",
            "still_open",
        ),
        (
            (
                d.index,
                d.name[:200],
                d.contact.account.index if d.contact.account else None,
                d.contact.index,
                d.owner,
                pipeline,
                d.stage,
                d.amount,
                day(d.expected),
                d.campaign,
                d.lead.index if d.lead else None,
                d.is_repeat,
                d.notes,
                d.lost_reason,
                at(d.created),
                at(d.closed) if d.closed else None,
                not d.closed,  # what Deal.save() derives from the stage; inserts skip save()
            )
            for d in deals
        ),
    )
    counts["deal_stage_moves"] = writer.insert(
        DealStageMove,
        (
            "deal_id",
            "from_stage_id",
            "to_stage_id",
            "moved_at",
            "moved_by_id",
        ),
        ((d.index, m[0], m[1], at(m[2]), m[3]) for d in deals for m in d.moves),
    )
    return counts


def _source_medium(touch: list) -> tuple[str, str]:
    """What touch_record keeps as source and medium: the UTM tags, else campaign / channel."""
    campaign = touch[2]
    source = touch[4] or (campaign.channel if campaign is not None else touch[3])
    return source, touch[5] or touch[3]


def _contact_row(c: ContactSim, at: Callable[[int], Any]) -> tuple:
    first = c.touches[0]
    # As touch_record: last touch is the latest touch marketing can be credited for.
    last = next((t for t in reversed(c.touches) if t[2] is not None or t[4]), None)
    first_source, first_medium = _source_medium(first)
    last_source, last_medium = _source_medium(last) if last else ("", "")
    return (
        c.index,
        c.first_name,
        c.last_name,
        c.email,
        c.phone,
        c.title,
        c.account.index if c.account else None,
        c.audience,
        c.owner,
        c.stage,
        at(c.stage_at) if c.stage_at else None,
        c.score,
        at(first[0]),
        first_source,
        first_medium,
        first[2].id if first[2] else None,
        at(last[0]) if last else None,
        last_source,
        last_medium,
        last[2].id if last and last[2] else None,
        at(c.created),
        at(c.updated),
    )


def _touch_row(c: ContactSim, t: list, pk: int, at: Callable[[int], Any]) -> tuple:
    campaign = t[2]
    tagged = campaign is not None and t[1] in ATTRIBUTION_KINDS and bool(t[4])
    when = at(t[0])
    return (
        pk,
        c.index,
        c.account.index if c.account else None,
        t[1],
        t[3],
        when,
        t[7],
        campaign.id if campaign else None,
        t[4],
        t[5],
        campaign.utm_campaign if tagged else "",
        "",
        "",
        "",
        t[6],
        t[8],
        when,
    )


def _submission_row(
    c: ContactSim, touch: list, form: Any, consent: bool, pk: int, writer: RowWriter
) -> tuple:
    data = {
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "title": c.title,
        "company": c.account.name if c.account else "",
    }
    campaign = touch[2]
    if touch[4]:
        data.update(utm_source=touch[4], utm_medium=touch[5])
    if campaign is not None and touch[4]:
        data["utm_campaign"] = campaign.utm_campaign
    # Documentation address ranges (RFC 5737): realistic-looking, never anyone's real address.
    address = f"{TEST_NETS[pk % 3]}.{pk % 254 + 1}"
    return (
        form.id,
        c.index,
        pk,
        writer.json(data),
        consent,
        form.consent_wording if consent else "",
        address,
        writer.at(touch[0]),
    )
