"""Funnel and velocity: conversion between lifecycle stages, time in stage, pipeline velocity.

The **moves** table has one row per lifecycle move of a contact:

============  =========  ==============================================================
column        type       meaning
============  =========  ==============================================================
contact_id    any        the contact who moved
moved_at      timestamp  when the move happened
to_stage      string     the stage entered (lead, mql, sal, opportunity, customer, …)
source        string     optional; the contact's source (first-touch channel), for cohorts
segment       string     optional; the contact's segment (industry, size band …), for cohorts
============  =========  ==============================================================

The optional **deals** table (for velocity) has one row per deal: ``deal_id``, ``created_at``,
``closed_at`` (null while open), ``amount`` (≥ 0), ``outcome`` (``open``, ``won`` or
``lost``) and optionally ``source`` and ``segment``.

Periods are explicit: the sales clock reads this week, month or quarter to date; the marketing
clock reads the last 6, 12 or 18 months (from the first day of the month 5, 11 or 17 months
back). See ``docs/analytics.md`` for every rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt_
import numpy as np
import pyarrow as pa
from ibis import _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tandem.analytics.base import Analysis, Limits, Params, Result, open_table
from tandem.analytics.clocks import Clock, period_window
from tandem.analytics.errors import EmptyInputError, InputError

DEFAULT_STAGES = ("lead", "mql", "sal", "opportunity", "customer")
MOVE_COLUMNS = ("contact_id", "moved_at", "to_stage")
DEAL_COLUMNS = ("deal_id", "created_at", "closed_at", "amount", "outcome")
OUTCOMES = ("open", "won", "lost")
ALL = "all"
NONE_KEY = "(none)"
SECONDS_PER_HOUR = 3_600.0
HOURS_PER_DAY = 24.0
QUANTILES = {"p25_days": 0.25, "median_days": 0.5, "p75_days": 0.75, "p90_days": 0.9}


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


class FunnelInput(Params):
    """Which stages make the funnel, which period, and how to split it into cohorts."""

    stages: tuple[str, ...] = Field(
        default=DEFAULT_STAGES, min_length=2, description="The funnel's stages, in order."
    )
    period: Clock = Field(
        default=Clock.ROLLING_12,
        description="week, month, quarter (the sales clock, to date) or 6m, 12m, 18m "
        "(the marketing clock, rolling).",
    )
    as_of: dt.datetime | None = Field(
        default=None, description="End of the period. Default: the last move in the table."
    )
    cohort_by: Literal["month", "source", "segment"] | None = Field(
        default=None,
        description="Split the contacts who entered the funnel by month of entry, source or "
        "segment.",
    )

    @field_validator("stages")
    @classmethod
    def _stages_are_distinct(cls, stages: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(stages)) != len(stages):
            raise ValueError("each stage may appear once")
        if any(not stage for stage in stages):
            raise ValueError("a stage needs a name")
        return stages


class StageCount(BaseModel):
    """How many of a cohort reached one stage, and the conversion into it."""

    model_config = ConfigDict(frozen=True)

    stage: str
    reached: int
    from_previous: float | None = Field(description="reached / reached the stage before")
    from_first: float | None = Field(description="reached / entered the funnel")


class Cohort(BaseModel):
    """The contacts who entered the funnel in the period and share one cohort key."""

    model_config = ConfigDict(frozen=True)

    key: str
    entered: int
    stages: tuple[StageCount, ...]

    def reached(self) -> dict[str, int]:
        """``{stage: contacts who reached it}``."""
        return {count.stage: count.reached for count in self.stages}


class StageTime(BaseModel):
    """How long contacts stayed in a stage they entered in the period (days)."""

    model_config = ConfigDict(frozen=True)

    stage: str
    moved_on: int = Field(description="Stays that ended (the contact moved again by the end).")
    still_in_stage: int = Field(description="Stays still running at the end; not in the figures.")
    p25_days: float | None
    median_days: float | None
    p75_days: float | None
    p90_days: float | None


class Velocity(BaseModel):
    """Pipeline velocity: (open deals × win rate × average deal size) / cycle length."""

    model_config = ConfigDict(frozen=True)

    key: str
    open_deals: int = Field(description="Deals open at the end of the period.")
    won: int = Field(description="Deals won in the period.")
    lost: int = Field(description="Deals lost in the period.")
    win_rate: float | None = Field(description="won / (won + lost)")
    average_deal_size: float | None = Field(description="Average amount of the deals won.")
    cycle_days: float | None = Field(description="Average days from creation to win.")
    per_day: float | None = Field(description="Revenue the pipeline is expected to make per day.")
    per_period: float | None = Field(description="per_day × the days in the period.")


class FunnelResult(Result):
    """Conversion by cohort, time in stage and velocity, for one period."""

    period: Clock
    start: dt.datetime
    end: dt.datetime
    stages: tuple[str, ...]
    total: Cohort
    cohorts: tuple[Cohort, ...]
    time_in_stage: tuple[StageTime, ...]
    velocity: Velocity | None = None
    velocity_by_cohort: tuple[Velocity, ...] = ()


@dataclass(frozen=True)
class FunnelSummary:
    """What the engine returns: contacts per (cohort, furthest stage), stay lengths, deals."""

    start: dt.datetime
    end: dt.datetime
    reached: pa.Table
    stays: pa.Table
    deals: pa.Table | None


def _timestamp(column: ibis.Column) -> ibis.Column:
    return column if column.type().is_timestamp() else column.cast(dt_.timestamp)


def _seconds(column: ibis.Column) -> ibis.Column:
    return column.epoch_seconds().cast(dt_.float64)


def _literal(moment: dt.datetime) -> ibis.Scalar:
    return ibis.literal(moment, type=dt_.timestamp)


def weighted_quantile(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` each repeated ``counts`` times (linear interpolation,
    as ``numpy.quantile`` on the repeated values)."""
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    ends = np.cumsum(counts)  # the repeated array's index just past each value
    position = q * (ends[-1] - 1)
    low, high = int(np.floor(position)), int(np.ceil(position))
    below = values[np.searchsorted(ends, low, side="right")]
    above = values[np.searchsorted(ends, high, side="right")]
    return float(below + (above - below) * (position - low))


class Funnel(Analysis[FunnelInput, FunnelSummary, FunnelResult]):
    """Conversion between stages by cohort, time in stage and pipeline velocity."""

    name = "funnel"

    def __init__(
        self,
        table: ibis.Table,
        params: FunnelInput,
        *,
        deals: ibis.Table | None = None,
        limits: Limits | None = None,
    ):
        super().__init__(table, params, limits=limits)
        self.deals = deals

    def _moves(self) -> ibis.Table:
        table = self.table
        missing = [name for name in MOVE_COLUMNS if name not in table.columns]
        cohort = self.params.cohort_by
        if cohort in ("source", "segment") and cohort not in table.columns:
            missing.append(cohort)
        if missing:
            raise InputError(f"the moves table lacks the column(s): {', '.join(missing)}")
        ranks = [(stage, rank) for rank, stage in enumerate(self.params.stages)]
        stage = table.to_stage.cast(dt_.string)
        moved_at = _timestamp(table.moved_at)
        cohort_key: Any = ibis.literal(ALL)
        if cohort in ("source", "segment"):
            cohort_key = table[cohort].cast(dt_.string).fill_null(NONE_KEY)
            cohort_key = ibis.ifelse(cohort_key == "", NONE_KEY, cohort_key)
        return table.select(
            contact_id=table.contact_id,
            moved_at=moved_at,
            ts=_seconds(moved_at),
            stage=stage,
            rank=stage.cases(*ranks, else_=-1),
            cohort=cohort_key,
        )

    def _window(self, moves: ibis.Table) -> tuple[dt.datetime, dt.datetime]:
        check = self.fetch(
            moves.aggregate(
                rows=_.count(),
                last=moves.moved_at.max(),
                missing_contact_id=moves.contact_id.isnull().sum(),
                missing_moved_at=moves.moved_at.isnull().sum(),
                missing_to_stage=moves.stage.isnull().sum(),
            ),
            what="input check",
        ).to_pylist()[0]
        if not check.pop("rows"):
            raise EmptyInputError("the moves table has no rows")
        last = check.pop("last")
        problems = [f"{n:,} row(s) with {k.replace('_', ' ')}" for k, n in check.items() if n]
        if problems:
            raise InputError("the moves table has " + "; ".join(problems))
        # PostgreSQL's timestamptz comes back aware: every period is naive UTC here.
        as_of = _naive_utc(self.params.as_of if self.params.as_of is not None else last)
        return period_window(self.params.period, as_of)

    def summarize(self) -> FunnelSummary:
        moves = self._moves()
        start, end = self._window(moves)
        upto = moves.filter(moves.moved_at <= _literal(end))

        # Per contact: when they first entered any listed stage and the furthest they reached.
        listed = upto.filter(upto.rank >= 0)
        contacts = listed.group_by("contact_id").aggregate(
            entered_at=listed.moved_at.min(),
            furthest=listed.rank.max(),
            cohort=listed.cohort.max(),
        )
        entered = contacts.filter(contacts.entered_at >= _literal(start))
        if self.params.cohort_by == "month":
            entered = entered.mutate(
                cohort=(entered.entered_at.year() * 100 + entered.entered_at.month()).cast(
                    dt_.string
                )
            )
        reached = self.fetch(
            entered.group_by(["cohort", "furthest"]).aggregate(contacts=_.count()),
            what="funnel summary",
        )

        # Each stay: from a move into a listed stage in the period to the contact's next move
        # (any stage); stays whose next move is after the end are still running. Moves at one
        # instant (accepted: SAL, then opportunity) follow the funnel's order.
        window = ibis.window(
            group_by=upto.contact_id, order_by=[upto.moved_at, upto.rank, upto.stage]
        )
        ordered = upto.mutate(next_ts=upto.ts.lead().over(window))
        stays = ordered.filter((ordered.rank >= 0) & (ordered.moved_at >= _literal(start)))
        hours = ((stays.next_ts - stays.ts) / SECONDS_PER_HOUR).floor().cast(dt_.int64)
        stay_summary = self.fetch(
            stays.mutate(hours=hours).group_by(["stage", "hours"]).aggregate(stays=_.count()),
            what="time-in-stage summary",
        )
        deals = self._deal_summary(start, end) if self.deals is not None else None
        return FunnelSummary(start, end, reached, stay_summary, deals)

    def _deal_summary(self, start: dt.datetime, end: dt.datetime) -> pa.Table:
        assert self.deals is not None
        table = self.deals
        missing = [name for name in DEAL_COLUMNS if name not in table.columns]
        if missing:
            raise InputError(f"the deals table lacks the column(s): {', '.join(missing)}")
        cohort = self.params.cohort_by
        key: Any = ibis.literal(ALL)
        if cohort in ("source", "segment") and cohort in table.columns:
            key = table[cohort].cast(dt_.string).fill_null(NONE_KEY)
            key = ibis.ifelse(key == "", NONE_KEY, key)
        created_at, closed_at = _timestamp(table.created_at), _timestamp(table.closed_at)
        amount = table.amount.cast(dt_.float64)
        outcome = table.outcome.cast(dt_.string)
        problems = self.fetch(
            table.aggregate(
                negative_amount=(amount < 0).sum(),
                unknown_outcome=ibis.ifelse(outcome.isin(OUTCOMES), 0, 1).sum(),
            ),
            what="deal check",
        ).to_pylist()[0]
        found = [f"{n:,} row(s) with {k.replace('_', ' ')}" for k, n in problems.items() if n]
        if found:
            raise InputError("the deals table has " + "; ".join(found))
        lo, hi = _literal(start), _literal(end)
        closed_in = closed_at.notnull() & (closed_at >= lo) & (closed_at <= hi)
        is_won = closed_in & (outcome == "won")
        is_open = (created_at <= hi) & (closed_at.isnull() | (closed_at > hi))
        cycle = (_seconds(closed_at) - _seconds(created_at)) / (SECONDS_PER_HOUR * HOURS_PER_DAY)
        rows = table.select(
            key=key,
            is_open=ibis.ifelse(is_open, 1, 0),
            won=ibis.ifelse(is_won, 1, 0),
            lost=ibis.ifelse(closed_in & (outcome == "lost"), 1, 0),
            won_amount=ibis.ifelse(is_won, amount, 0.0),
            won_days=ibis.ifelse(is_won, cycle, 0.0),
        )
        return self.fetch(
            rows.group_by("key").aggregate(
                open_deals=rows.is_open.sum(),
                won=rows.won.sum(),
                lost=rows.lost.sum(),
                won_amount=rows.won_amount.sum(),
                won_days=rows.won_days.sum(),
            ),
            what="velocity summary",
        )

    def model(self, summary: FunnelSummary) -> FunnelResult:
        stages = self.params.stages
        by_cohort: dict[str, np.ndarray] = {}
        monthly = self.params.cohort_by == "month"
        for row in summary.reached.to_pylist():
            key = str(row["cohort"])
            if monthly:  # 202601 → 2026-01
                key = f"{key[:4]}-{key[4:]}"
            counts = by_cohort.setdefault(key, np.zeros(len(stages), dtype=int))
            counts[int(row["furthest"])] += int(row["contacts"])
        cohorts = tuple(
            _cohort(key, furthest, stages) for key, furthest in sorted(by_cohort.items())
        )
        total = sum(by_cohort.values(), np.zeros(len(stages), dtype=int))
        period_days = (summary.end - summary.start).total_seconds() / 86_400.0
        velocity: Velocity | None = None
        by_key: tuple[Velocity, ...] = ()
        if summary.deals is not None:
            rows = summary.deals.to_pylist()
            velocity = _velocity(ALL, rows, period_days)
            if self.params.cohort_by in ("source", "segment"):
                by_key = tuple(
                    _velocity(str(row["key"]), [row], period_days)
                    for row in sorted(rows, key=lambda row: str(row["key"]))
                )
        return FunnelResult(
            period=self.params.period,
            start=summary.start,
            end=summary.end,
            stages=stages,
            total=_cohort(ALL, total, stages),
            cohorts=cohorts,
            time_in_stage=_stage_times(summary.stays, stages),
            velocity=velocity,
            velocity_by_cohort=by_key,
        )


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


def _cohort(key: str, furthest: np.ndarray, stages: tuple[str, ...]) -> Cohort:
    """A cohort from the number of contacts whose furthest stage is each stage.

    A contact counts as reaching every stage up to their furthest: forward moves may skip.
    """
    reached = np.cumsum(furthest[::-1])[::-1]
    entered = int(reached[0])
    return Cohort(
        key=key,
        entered=entered,
        stages=tuple(
            StageCount(
                stage=stage,
                reached=int(reached[i]),
                from_previous=_ratio(reached[i], reached[i - 1]) if i else None,
                from_first=_ratio(reached[i], entered),
            )
            for i, stage in enumerate(stages)
        ),
    )


def _stage_times(stays: pa.Table, stages: tuple[str, ...]) -> tuple[StageTime, ...]:
    rows = stays.to_pylist()
    result = []
    for stage in stages:
        ended = [
            (r["hours"], r["stays"]) for r in rows if r["stage"] == stage and r["hours"] is not None
        ]
        running = sum(r["stays"] for r in rows if r["stage"] == stage and r["hours"] is None)
        figures: dict[str, float | None] = dict.fromkeys(QUANTILES)
        if ended:
            days = np.array([hours for hours, _ in ended], dtype=float) / HOURS_PER_DAY
            counts = np.array([count for _, count in ended], dtype=np.int64)
            figures = {name: weighted_quantile(days, counts, q) for name, q in QUANTILES.items()}
        result.append(
            StageTime(
                stage=stage,
                moved_on=sum(count for _, count in ended),
                still_in_stage=running,
                **figures,
            )
        )
    return tuple(result)


def _velocity(key: str, rows: list[dict], period_days: float) -> Velocity:
    open_deals = sum(int(r["open_deals"] or 0) for r in rows)
    won = sum(int(r["won"] or 0) for r in rows)
    lost = sum(int(r["lost"] or 0) for r in rows)
    won_amount = sum(float(r["won_amount"] or 0.0) for r in rows)
    won_days = sum(float(r["won_days"] or 0.0) for r in rows)
    win_rate = _ratio(won, won + lost)
    size = _ratio(won_amount, won)
    cycle = _ratio(won_days, won)
    per_day = None
    if win_rate is not None and size is not None and cycle:
        per_day = open_deals * win_rate * size / cycle
    return Velocity(
        key=key,
        open_deals=open_deals,
        won=won,
        lost=lost,
        win_rate=win_rate,
        average_deal_size=size,
        cycle_days=cycle,
        per_day=per_day,
        per_period=per_day * period_days if per_day is not None else None,
    )


def funnel_run(
    moves: Any,
    params: FunnelInput | None = None,
    *,
    deals: Any = None,
    table: str | None = None,
    deals_table: str | None = None,
    limits: Limits | None = None,
) -> FunnelResult:
    """Conversion by cohort and time in stage from ``moves``; velocity too when ``deals`` given.

    ``moves`` and ``deals`` are anything :func:`~tandem.analytics.base.open_table` accepts.
    """
    source = open_table(moves, table=table)
    deal_source = open_table(deals, table=deals_table) if deals is not None else None
    return Funnel(source, params or FunnelInput(), deals=deal_source, limits=limits).run()
