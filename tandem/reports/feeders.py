"""Feeders: the CRM's tables shaped as the inputs ``tandem.analytics`` documents.

Each feeder returns an Ibis table expression over the database Django uses — the same
connection, so a report reads what the request sees — and the analysis runs it there. Nothing
here pulls rows through the ORM: the engine does the joins and the analysis brings back only
its small summary.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Literal

import ibis
import ibis.expr.datatypes as dt_
import pyarrow as pa
from django.db import connection
from django.db.models import Model, Sum
from django.utils import timezone
from ibis.backends import BaseBackend
from ibis.backends.postgres import Backend as PostgresBackend
from ibis.backends.sqlite import Backend as SQLiteBackend

from tandem.analytics.profitability import spend_from_budgets
from tandem.marketing.models import Campaign, SpendLine
from tandem.people.lifecycle import Stage
from tandem.people.models import Account, Contact, LifecycleMove, Touch
from tandem.sales.models import Deal, DealStageMove, PipelineStage

Conversion = Literal["lead", "deal", "revenue"]
Grouping = Literal["channel", "campaign", "content"]
SegmentBy = Literal["industry", "size_band", "region"]
NO_CAMPAIGN = "(no campaign)"
NONE = "(none)"
# Moves that make a contact a lead: any step into the funnel, whichever stage they entered at.
LEAD_STAGES = (Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY)


class _DjangoSQLite(SQLiteBackend):
    """Ibis on Django's SQLite connection, leaving transactions to Django.

    Ibis commits after each query it runs; on a connection inside ``transaction.atomic`` that
    would commit the caller's transaction half-way.
    """

    @contextlib.contextmanager
    def begin(self):
        cursor = self.con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


class _DjangoPostgres(PostgresBackend):
    """Ibis on Django's PostgreSQL connection, reading results with a plain cursor.

    Ibis reads through a named (server-side) cursor inside its own transaction block; inside
    Django's ``atomic`` that cursor is gone by the time Ibis closes it. The analyses fetch
    small summaries, so a client-side cursor costs nothing.
    """

    def to_pyarrow_batches(self, expr, /, *, params=None, limit=None, chunk_size=1_000_000, **_):
        self._run_pre_execute_hooks(expr)
        schema = expr.as_table().schema()
        query = self.compile(expr, limit=limit, params=params)
        struct = schema.as_struct().to_pyarrow()

        # PostgreSQL answers numeric (Decimal) for sums and some literals; Arrow wants numbers.
        casts = [
            float if pa.types.is_floating(f.type) else int if pa.types.is_integer(f.type) else None
            for f in struct
        ]

        def plain(row: tuple) -> tuple:
            return tuple(
                cast(value) if cast is not None and isinstance(value, Decimal) else value
                for cast, value in zip(casts, row, strict=True)
            )

        def batches():
            with self.con.cursor() as cursor:
                cursor.execute(query)
                while batch := cursor.fetchmany(chunk_size):
                    rows = [plain(row) for row in batch]
                    yield pa.RecordBatch.from_struct_array(pa.array(rows, type=struct))

        return pa.RecordBatchReader.from_batches(schema.to_pyarrow(), batches())


def database() -> BaseBackend:
    """An Ibis backend on Django's own connection (SQLite or PostgreSQL)."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        backend = _DjangoSQLite.from_connection(raw)
        # Ibis turns on case-sensitive LIKE; Django's icontains on SQLite relies on it being off.
        raw.execute("PRAGMA case_sensitive_like = OFF")
        return backend
    if connection.vendor == "postgresql":
        return _DjangoPostgres.from_connection(raw)
    raise NotImplementedError(f"reports read SQLite or PostgreSQL, not {connection.vendor}")


def prepared(expr: ibis.Table) -> ibis.Table | pa.Table:
    """The feeder's table, ready for an analysis that reads it several times.

    On PostgreSQL the analysis runs where the data lives. SQLite has neither hash joins nor
    parallel scans, and an analysis reads its input once per model: there the fed table is
    read once (Arrow) and analysed by DuckDB in-process, which is several times faster.
    """
    if expr.get_backend().name == "sqlite":
        return expr.to_pyarrow()
    return expr


def _table(db: BaseBackend, model: type[Model]) -> ibis.Table:
    return db.table(model._meta.db_table)


def _text(column: ibis.Column, empty: str) -> ibis.Column:
    text = column.cast(dt_.string).fill_null(empty)
    return ibis.ifelse(text == "", empty, text)


def _now() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC).replace(tzinfo=None)


def won_deals(db: BaseBackend) -> ibis.Table:
    """Won deals with their customer: the account, else the contact (``c`` + id)."""
    deals, stages = _table(db, Deal), _table(db, PipelineStage)
    won = deals.join(stages, deals.stage_id == stages.id).filter(
        stages.outcome == PipelineStage.Outcome.WON
    )
    customer = ibis.ifelse(
        won.account_id.notnull(),
        "a" + won.account_id.cast(dt_.string),
        "c" + won.contact_id.cast(dt_.string),
    )
    return won.filter(won.closed_at.notnull()).select(
        deal_id=won.id,
        customer_id=customer,
        contact_id=won.contact_id,
        account_id=won.account_id,
        closed_at=won.closed_at,
        amount=won.amount.cast(dt_.float64),
        cost=won.cost_amount.cast(dt_.float64),
        source_campaign_id=won.source_campaign_id,
    )


def journeys(
    db: BaseBackend, *, conversion: Conversion, group_by: Grouping = "channel"
) -> ibis.Table:
    """One row per touch of each contact, in the attribution input format.

    A contact's journey converts at its first lead move, its first deal or its first win
    (``conversion``); a converted journey keeps the touches up to that moment and carries the
    contact's won revenue as value when ``conversion="revenue"``. The latest touch at or
    before the lead move is marked ``lead_created``, at or before the first deal
    ``deal_created`` (the lead's mark wins when one touch did both). The grouping key is put
    in ``channel``: the touch's channel, its campaign's name, or its content
    (``utm_content``, else the kind of touch).
    """
    touches, campaigns = _table(db, Touch), _table(db, Campaign)
    moves, deals = _table(db, LifecycleMove), _table(db, Deal)

    lead_moves = moves.filter(moves.to_stage.isin([str(s) for s in LEAD_STAGES]))
    leads = lead_moves.group_by(contact_id=lead_moves.contact_id).aggregate(
        lead_at=lead_moves.moved_at.min()
    )
    opened = deals.filter(deals.contact_id.notnull())
    firsts = opened.group_by(contact_id=opened.contact_id).aggregate(
        deal_at=opened.created_at.min()
    )
    won = won_deals(db)
    won = won.filter(won.contact_id.notnull())
    wins = won.group_by(contact_id=won.contact_id).aggregate(
        won_at=won.closed_at.min(), revenue=won.amount.sum()
    )

    named = touches.left_join(campaigns, touches.campaign_id == campaigns.id)
    if group_by == "channel":
        key = named.channel.cast(dt_.string)
    elif group_by == "campaign":
        key = named.name.cast(dt_.string).fill_null(NO_CAMPAIGN)
    else:
        key = ibis.ifelse(named.utm_content == "", named.kind, named.utm_content)
    rows = named.select(contact_id=named.contact_id, touched_at=named.occurred_at, key=key)
    rows = rows.left_join(leads, rows.contact_id == leads.contact_id).select(rows, leads.lead_at)
    rows = rows.left_join(firsts, rows.contact_id == firsts.contact_id).select(rows, firsts.deal_at)
    rows = rows.left_join(wins, rows.contact_id == wins.contact_id).select(
        rows, wins.won_at, wins.revenue
    )
    converted_at = {"lead": rows.lead_at, "deal": rows.deal_at, "revenue": rows.won_at}[conversion]
    before_lead = rows.touched_at <= rows.lead_at
    before_deal = rows.touched_at <= rows.deal_at
    window = ibis.window(group_by=rows.contact_id)
    rows = rows.mutate(
        lead_touch_at=ibis.ifelse(before_lead, rows.touched_at, ibis.null(dt_.timestamp))
        .max()
        .over(window),
        deal_touch_at=ibis.ifelse(before_deal, rows.touched_at, ibis.null(dt_.timestamp))
        .max()
        .over(window),
        converted=converted_at.notnull(),
        ends_at=converted_at,
    )
    rows = rows.filter(rows.ends_at.isnull() | (rows.touched_at <= rows.ends_at))
    # One kind per touch: when the same touch made the lead and the deal, it is the lead's
    # (the deal milestone is then missing, and the milestone models rescale, as documented).
    kind = ibis.ifelse(
        rows.touched_at == rows.lead_touch_at,
        "lead_created",
        ibis.ifelse(rows.touched_at == rows.deal_touch_at, "deal_created", "touch"),
    ).fill_null("touch")
    value = rows.revenue.cast(dt_.float64).fill_null(0.0) if conversion == "revenue" else 0.0
    return rows.select(
        journey_id=rows.contact_id,
        touched_at=rows.touched_at,
        channel=rows.key,
        touch_kind=kind,
        converted=rows.converted,
        value=ibis.literal(0.0) + value,
    )


def purchases(db: BaseBackend) -> ibis.Table:
    """Won deals as purchases: ``customer_id`` (an account, else a contact), date, amount."""
    won = won_deals(db)
    return won.select(customer_id=won.customer_id, purchased_at=won.closed_at, amount=won.amount)


def acquisitions(db: BaseBackend, *, segment_by: SegmentBy = "industry") -> ibis.Table:
    """One row per customer: the first win, and the campaign, channel and segment behind it.

    The acquiring campaign is the first won deal's source campaign; the channel is that
    campaign's channel (``(none)`` without one); the segment is the account's
    ``segment_by`` field.
    """
    won = won_deals(db)
    first = won.group_by("customer_id").aggregate(acquired_at=won.closed_at.min())
    firsts = won.join(
        first,
        (won.customer_id == first.customer_id) & (won.closed_at == first.acquired_at),
    )
    # Two wins at one instant: the lowest deal id decides.
    firsts = firsts.mutate(
        rank=ibis.row_number().over(group_by=firsts.customer_id, order_by=firsts.deal_id)
    ).filter(lambda t: t.rank == 0)
    campaigns, accounts = _table(db, Campaign), _table(db, Account)
    named = firsts.left_join(campaigns, firsts.source_campaign_id == campaigns.id)
    named = named.select(
        customer_id=named.customer_id,
        account_id=named.account_id,
        acquired_at=named.acquired_at,
        campaign=named.name.cast(dt_.string).fill_null(NO_CAMPAIGN),
        channel=named.channel.cast(dt_.string).fill_null(NONE),
    )
    with_account = named.left_join(accounts, named.account_id == accounts.id)
    return with_account.select(
        customer_id=with_account.customer_id,
        acquired_at=with_account.acquired_at,
        campaign=with_account.campaign,
        channel=with_account.channel,
        segment=_text(with_account[segment_by], NONE),
    )


def first_touch_channels(db: BaseBackend) -> ibis.Table:
    """Each contact's source: the channel of their first touch (ties: the lowest touch id)."""
    touches = _table(db, Touch)
    ranked = touches.mutate(
        rank=ibis.row_number().over(
            group_by=touches.contact_id, order_by=[touches.occurred_at, touches.id]
        )
    )
    first = ranked.filter(ranked.rank == 0)
    return first.select(contact_id=first.contact_id, source=first.channel)


def lifecycle_moves(db: BaseBackend, *, segment_by: SegmentBy = "industry") -> ibis.Table:
    """Every lifecycle move, with the contact's source and segment for cohorts.

    Source: the channel of the contact's first touch (``(none)`` without touches). Segment:
    the account's ``segment_by`` field.
    """
    moves, contacts, accounts = _table(db, LifecycleMove), _table(db, Contact), _table(db, Account)
    sources = first_touch_channels(db)
    people = contacts.left_join(sources, contacts.id == sources.contact_id).select(
        contact_id=contacts.id, account_id=contacts.account_id, source=_text(sources.source, NONE)
    )
    people = people.left_join(accounts, people.account_id == accounts.id).select(
        contact_id=people.contact_id,
        source=people.source,
        segment=_text(accounts[segment_by], NONE),
    )
    joined = moves.join(people, moves.contact_id == people.contact_id)
    return joined.select(
        contact_id=joined.contact_id,
        moved_at=joined.moved_at,
        to_stage=joined.to_stage,
        source=joined.source,
        segment=joined.segment,
    )


def pipeline_deals(db: BaseBackend, *, segment_by: SegmentBy = "industry") -> ibis.Table:
    """Every deal with its outcome, and its contact's source and its account's segment."""
    deals, stages, accounts = _table(db, Deal), _table(db, PipelineStage), _table(db, Account)
    sources = first_touch_channels(db)
    rows = deals.join(stages, deals.stage_id == stages.id)
    rows = rows.left_join(sources, rows.contact_id == sources.contact_id).select(
        deal_id=rows.id,
        created_at=rows.created_at,
        closed_at=rows.closed_at,
        amount=rows.amount.cast(dt_.float64),
        outcome=rows.outcome,
        account_id=rows.account_id,
        source=_text(sources.source, NONE),
    )
    rows = rows.left_join(accounts, rows.account_id == accounts.id)
    return rows.select(
        deal_id=rows.deal_id,
        created_at=rows.created_at,
        closed_at=rows.closed_at,
        amount=rows.amount,
        outcome=rows.outcome,
        source=rows.source,
        segment=_text(accounts[segment_by], NONE),
    )


def spend_lines() -> pa.Table:
    """Marketing spend as dated lines, by channel and campaign.

    The one place that says where spend comes from: the campaigns' dated spend lines
    (``SpendLine``), and for a campaign without any its budget spread evenly over its days (see
    :func:`budget_spread_campaigns`).
    """
    return _dated_spend()[0]


def budget_spread_campaigns() -> list[str]:
    """Names of the campaigns whose spend is their budget spread, having no spend lines."""
    return _dated_spend()[1]


def _dated_spend() -> tuple[pa.Table, list[str]]:
    # Summed per campaign and day in the database: a few rows per campaign and day at most.
    recorded = list(
        SpendLine.objects.values("spent_on", "campaign__channel", "campaign__name")
        .annotate(total=Sum("amount"))
        .order_by("spent_on", "campaign__name")
        .values_list("spent_on", "total", "campaign__channel", "campaign__name")
    )
    # A campaign with a single spend line is costed by its lines alone: its budget is a plan.
    unrecorded = Campaign.objects.filter(spend_lines__isnull=True).order_by("name")
    campaigns = [
        {
            "campaign": c["name"],
            "channel": c["channel"],
            "budget": c["budget"],
            "starts_on": c["starts_on"],
            "ends_on": c["ends_on"],
        }
        for c in unrecorded.values("name", "channel", "budget", "starts_on", "ends_on")
    ]
    spread = spend_from_budgets(campaigns, until=_now().date())
    lines = pa.table(
        {
            "spent_on": pa.array([r[0] for r in recorded], pa.date32()),
            "amount": pa.array([float(r[1]) for r in recorded], pa.float64()),
            "channel": pa.array([r[2] for r in recorded], pa.string()),
            "campaign": pa.array([r[3] for r in recorded], pa.string()),
        }
    )
    spread_names = sorted(set(spread["campaign"].to_pylist()))
    return pa.concat_tables([lines, spread]), spread_names


def now() -> dt.datetime:
    """The end of every report's period: now, as naive UTC like the analytics want."""
    return _now()


def stage_visits(db: BaseBackend) -> ibis.Table:
    """Each time a deal entered a pipeline stage, with the deal's amount and how it ended.

    The forecast's input: ``deal_id``, ``stage`` (the stage's name), ``entered_at``,
    ``amount``, ``outcome`` (the deal's current stage's outcome) and ``closed_at``.
    """
    moves, deals, stages = _table(db, DealStageMove), _table(db, Deal), _table(db, PipelineStage)
    current = deals.join(stages, deals.stage_id == stages.id).select(
        deal_id=deals.id,
        amount=deals.amount.cast(dt_.float64),
        outcome=stages.outcome,
        closed_at=deals.closed_at,
    )
    entered = moves.join(stages, moves.to_stage_id == stages.id).select(
        deal_id=moves.deal_id,
        stage=stages.name,
        entered_at=moves.moved_at,
        outcome_of_stage=stages.outcome,
    )
    # Entering the won or lost stage closes the deal; it is not a stage to forecast from.
    entered = entered.filter(entered.outcome_of_stage == PipelineStage.Outcome.OPEN)
    joined = entered.join(current, "deal_id")
    return joined.select(
        deal_id=joined.deal_id,
        stage=joined.stage,
        entered_at=joined.entered_at,
        amount=joined.amount,
        outcome=joined.outcome,
        closed_at=joined.closed_at,
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _every_week(by_week: dict[dt.date, float]) -> pa.Table:
    """``week``, ``outcome`` for every week from the first in ``by_week`` to this one."""
    if not by_week:
        return pa.table({"week": pa.array([], pa.date32()), "outcome": pa.array([], pa.float64())})
    week, last = min(by_week), _monday(_now().date())
    weeks = []
    while week <= last:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return pa.table(
        {
            "week": pa.array(weeks, pa.date32()),
            "outcome": pa.array([by_week.get(w, 0.0) for w in weeks], pa.float64()),
        }
    )


def weekly_revenue(db: BaseBackend) -> pa.Table:
    """Won revenue per week (Monday), every week from the first win to this one, zeros kept.

    The media-mix model needs an outcome for every week; the engine sums, the gaps are filled
    here (a few hundred weeks at most).
    """
    won = won_deals(db)
    summed = (
        won.mutate(day=won.closed_at.date())
        .group_by("day")
        .aggregate(outcome=won.amount.sum())
        .to_pyarrow()
        .to_pylist()
    )
    by_week: dict[dt.date, float] = {}
    for row in summed:
        monday = _monday(row["day"])
        by_week[monday] = by_week.get(monday, 0.0) + float(row["outcome"] or 0.0)
    return _every_week(by_week)


def weekly_spend() -> tuple[pa.Table, list[str]]:
    """Spend per week (Monday) and channel, and the campaigns costed by spreading a budget.

    Rows ``week``, ``channel``, ``spend``, weeks ascending and channels by name; the spend
    comes from :func:`spend_lines` (a few rows per campaign and day, summed here).
    """
    lines, spread = _dated_spend()
    by_week: dict[tuple[dt.date, str], float] = {}
    for day, channel, amount in zip(
        lines["spent_on"].to_pylist(),
        lines["channel"].to_pylist(),
        lines["amount"].to_pylist(),
        strict=True,
    ):
        key = (_monday(day), channel)
        by_week[key] = by_week.get(key, 0.0) + amount
    keys = sorted(by_week)
    return (
        pa.table(
            {
                "week": pa.array([k[0] for k in keys], pa.date32()),
                "channel": pa.array([k[1] for k in keys], pa.string()),
                "spend": pa.array([by_week[k] for k in keys], pa.float64()),
            }
        ),
        spread,
    )
