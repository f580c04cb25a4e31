"""Pipeline forecast: which open deals will be won in the next ``horizon_days``, and for how much.

The input is one table of **stage visits**, one row each time a deal entered a stage:

============  =========  ================================================================
column        type       meaning
============  =========  ================================================================
deal_id       any        the deal
stage         string     the stage it entered
entered_at    timestamp  when it entered the stage
amount        float      the deal's amount (≥ 0); the row of the deal's current stage counts
outcome       string     ``won`` or ``lost`` once the deal closed; null or ``open`` before
closed_at     timestamp  when the deal closed; null while it is open
============  =========  ================================================================

As of a date, the deals closed before it are the **history** and the deals entered before it
and not yet closed are **open**. Each history visit gives a sample of a deal in that stage: how
long it stayed (``dwell``), how long from entering the stage to closing (``close``) and whether
it was won. An open deal that has been ``age`` days in its stage is like the history deals of
that stage that stayed at least ``age`` days; its chance to be won within the horizon is the
share of those that were won within ``age + horizon`` days of entering the stage. When fewer
than ``min_history`` history deals stayed that long, the deal is forecast as if it were as old
as the ``min_history``-th longest stay. The relational part (history summary, open deals as of
the date) is Ibis; the model is numpy.

The expected amount is exact (the sum of amount × chance). Its interval comes from Monte Carlo:
each group of open deals with the same stage, age and amount wins a binomial number of times
in each of ``simulations`` draws of a seeded generator. :func:`forecast_backtest` runs the
forecast as of earlier dates on the same table and compares it with what was then won.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as ibis_dt
import numpy as np
import pyarrow as pa
from ibis import _
from pydantic import BaseModel, ConfigDict, Field

from tandem.analytics.base import Analysis, Limits, Params, Result, open_table
from tandem.analytics.errors import EmptyInputError, InputError

REQUIRED_COLUMNS = ("deal_id", "stage", "entered_at", "amount", "outcome", "closed_at")
OUTCOMES = ("won", "lost", "open")
SECONDS_PER_DAY = 86_400.0
EPOCH = dt.datetime(1970, 1, 1)
AGE_CHUNK = 512  # ages compared against a stage's history at once, to bound memory


class ForecastInput(Params):
    """As of when, how far ahead, and how the intervals are drawn."""

    as_of: dt.datetime | None = Field(
        default=None,
        description="The forecast date; default the latest time in the table.",
    )
    horizon_days: float = Field(default=90.0, gt=0, description="Days ahead (90: a quarter).")
    interval: float = Field(
        default=0.8, gt=0, lt=1, description="Probability covered by the interval."
    )
    simulations: int = Field(default=5_000, ge=100, le=1_000_000)
    seed: int = Field(default=0, description="Seed of the Monte Carlo draws.")
    min_history: int = Field(
        default=10,
        ge=1,
        description="History deals a forecast leans on at least; older open deals are "
        "forecast as if they were as old as the min_history-th longest stay.",
    )
    stages: tuple[str, ...] | None = Field(
        default=None, description="The known stages; any other stage is an error."
    )
    unseen_stages: Literal["error", "skip"] = Field(
        default="error",
        description="An open deal in a stage with no closed history: an error, or left out "
        "(and counted in skipped_deals).",
    )


class StageForecast(BaseModel):
    """The open deals of one stage and what they are expected to bring in the horizon."""

    model_config = ConfigDict(frozen=True)

    stage: str
    open_deals: int
    open_amount: float
    history_deals: int
    win_chance: float = Field(description="Amount-weighted chance of a win within the horizon.")
    expected_wins: float
    expected_amount: float


class ForecastResult(Result):
    """Expected won amount in the horizon with its Monte Carlo interval, overall and by stage."""

    as_of: dt.datetime
    horizon_days: float
    open_deals: int
    open_amount: float
    expected_wins: float
    expected_amount: float
    interval: float
    low: float = Field(description="Lower end of the interval of won amount.")
    high: float = Field(description="Upper end of the interval of won amount.")
    median: float
    stages: tuple[StageForecast, ...]
    skipped_deals: int = 0
    actual_amount: float | None = Field(
        default=None,
        description="Won in the horizon by the deals open as of the date, "
        "when the table already knows (backtests).",
    )


@dataclass(frozen=True)
class ForecastSummary:
    """What the engine returns: history per stage and open deals grouped by stage/age/amount."""

    as_of_day: float
    history: pa.Table
    open_deals: pa.Table


def _day(moment: dt.datetime) -> float:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (moment - EPOCH).total_seconds() / SECONDS_PER_DAY


def _days(value: ibis.Value) -> ibis.Value:
    if not value.type().is_timestamp():
        value = value.cast(ibis_dt.timestamp)
    # Whole seconds: Spark's epoch seconds drop the fraction, so every engine does.
    return value.epoch_seconds().cast(ibis_dt.float64).floor() / SECONDS_PER_DAY


def visit_rows(table: ibis.Table) -> ibis.Table:
    """The visits in one shape: days since 1970 as floats, outcome lower-case or null."""
    missing = [name for name in REQUIRED_COLUMNS if name not in table.columns]
    if missing:
        raise InputError(f"the stage visits table lacks the column(s): {', '.join(missing)}")
    outcome = table.outcome.cast(ibis_dt.string).lower()
    return table.select(
        deal_id=table.deal_id,
        stage=table.stage.cast(ibis_dt.string),
        entered=_days(table.entered_at),
        amount=table.amount.cast(ibis_dt.float64),
        outcome=ibis.ifelse(outcome == "open", None, outcome),
        closed=_days(table.closed_at),
    )


def input_problems(rows: ibis.Table) -> ibis.Table:
    """One row: counts of rows, the latest time, and of rows that break the format."""
    return rows.aggregate(
        rows=_.count(),
        latest=ibis.greatest(rows.entered.max(), rows.closed.max().fill_null(-1e12)),
        missing_deal_id=ibis.ifelse(rows.deal_id.isnull(), 1, 0).sum(),
        missing_stage=ibis.ifelse(rows.stage.isnull(), 1, 0).sum(),
        missing_entered_at=ibis.ifelse(rows.entered.isnull(), 1, 0).sum(),
        missing_amount=ibis.ifelse(rows.amount.isnull(), 1, 0).sum(),
        negative_amount=ibis.ifelse(rows.amount < 0, 1, 0).sum(),
        unknown_outcome=ibis.ifelse(rows.outcome.isin(OUTCOMES[:2]).fill_null(True), 0, 1).sum(),
        outcome_without_closed_at=ibis.ifelse(
            rows.outcome.notnull() & rows.closed.isnull(), 1, 0
        ).sum(),
        closed_at_without_outcome=ibis.ifelse(
            rows.outcome.isnull() & rows.closed.notnull(), 1, 0
        ).sum(),
        closed_before_entered=ibis.ifelse(
            (rows.closed < rows.entered).fill_null(False), 1, 0
        ).sum(),
    )


def history_summary(rows: ibis.Table, as_of_day: float) -> ibis.Table:
    """Visits of deals closed by ``as_of_day``: (stage, dwell, close, won) → deals.

    ``dwell`` is whole days from entering the stage to entering the next one (or closing),
    ``close`` whole days from entering the stage to closing. A deal that entered a stage twice
    counts its first visit.
    """
    closed = rows.filter(rows.closed.notnull() & (rows.closed <= as_of_day))
    in_order = ibis.window(group_by=closed.deal_id, order_by=[closed.entered, closed.stage])
    per_stage = ibis.window(group_by=[closed.deal_id, closed.stage], order_by=closed.entered)
    visits = closed.mutate(
        left=closed.entered.lead().over(in_order).fill_null(closed.closed),
        visit=ibis.row_number().over(per_stage),
    )
    first = visits.filter(visits.visit == 0)
    samples = first.select(
        stage=first.stage,
        dwell=(first.left - first.entered).floor().cast(ibis_dt.int64),
        close=(first.closed - first.entered).floor().cast(ibis_dt.int64),
        won=first.outcome == "won",
    )
    return samples.group_by(["stage", "dwell", "close", "won"]).aggregate(deals=_.count())


def open_deals(rows: ibis.Table, as_of_day: float, horizon_days: float) -> ibis.Table:
    """Deals open at ``as_of_day`` by (stage, age, amount, won in the horizon) → deals.

    A deal is open when it entered a stage by then and closed after it (or not yet); its
    stage is the last one it entered by then and ``age`` the whole days since. ``won`` says
    whether the table already knows it was won within the horizon (used by backtests).
    """
    entered = rows.filter(rows.entered <= as_of_day)
    still_open = entered.filter(entered.closed.isnull() | (entered.closed > as_of_day))
    latest = ibis.window(
        group_by=still_open.deal_id, order_by=[ibis.desc(still_open.entered), still_open.stage]
    )
    ranked = still_open.mutate(place=ibis.row_number().over(latest))
    current = ranked.filter(ranked.place == 0)
    deals = current.select(
        stage=current.stage,
        age=(ibis.literal(as_of_day, type=ibis_dt.float64) - current.entered)
        .floor()
        .cast(ibis_dt.int64),
        amount=current.amount,
        won=((current.outcome == "won") & (current.closed <= as_of_day + horizon_days)).fill_null(
            False
        ),
    )
    return deals.group_by(["stage", "age", "amount", "won"]).aggregate(deals=_.count())


def _numbers(table: pa.Table, name: str, dtype: Any = float) -> np.ndarray:
    return np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=dtype)


def win_chances(
    history: pa.Table, stage: str, ages: np.ndarray, horizon_days: float, min_history: int
) -> tuple[np.ndarray, int]:
    """Chance of a win within the horizon for deals of ``stage`` at each of ``ages``.

    Returns the chances and the number of history deals of the stage.
    """
    rows = np.asarray(history["stage"].to_numpy(zero_copy_only=False)) == stage
    dwell = _numbers(history, "dwell")[rows]
    close = _numbers(history, "close")[rows]
    won = _numbers(history, "won", bool)[rows]
    deals = _numbers(history, "deals")[rows]
    total = int(deals.sum())
    if total == 0:
        return np.full(len(ages), np.nan), 0
    # The oldest age with at least min_history deals that stayed as long: older ages are capped.
    by_dwell = np.argsort(-dwell, kind="stable")
    reached = np.cumsum(deals[by_dwell]) >= min(min_history, total)
    cap = dwell[by_dwell][int(np.argmax(reached))]
    effective = np.minimum(np.asarray(ages, float), cap)
    chances = np.empty(len(effective))
    for start in range(0, len(effective), AGE_CHUNK):
        age = effective[start : start + AGE_CHUNK, None]
        stayed = dwell[None, :] >= age
        counted = (stayed * deals[None, :]).sum(axis=1)
        hits = stayed & won[None, :] & (close[None, :] <= age + horizon_days)
        chances[start : start + AGE_CHUNK] = (hits * deals[None, :]).sum(axis=1) / counted
    return chances, total


def simulate_won_amounts(
    counts: np.ndarray, chances: np.ndarray, amounts: np.ndarray, *, simulations: int, seed: int
) -> np.ndarray:
    """Won amount in each of ``simulations`` draws: a binomial win count per group of deals."""
    rng = np.random.default_rng(seed)
    totals = np.zeros(simulations)
    if len(counts) == 0:
        return totals
    chunk = max(1, 2_000_000 // simulations)
    for start in range(0, len(counts), chunk):
        part = slice(start, start + chunk)
        wins = rng.binomial(
            counts[part].astype(np.int64), chances[part], (simulations, len(counts[part]))
        )
        totals += wins @ amounts[part]
    return totals


class Forecast(Analysis[ForecastInput, ForecastSummary, ForecastResult]):
    """The pipeline forecast as of one date."""

    name = "forecast"

    def summarize(self) -> ForecastSummary:
        rows = visit_rows(self.table)
        as_of_day = self._checked(rows)
        horizon = self.params.horizon_days
        history = self.fetch(history_summary(rows, as_of_day), what="stage history summary")
        deals = self.fetch(open_deals(rows, as_of_day, horizon), what="open deal summary")
        return ForecastSummary(as_of_day=as_of_day, history=history, open_deals=deals)

    def _checked(self, rows: ibis.Table) -> float:
        checks = self.fetch(input_problems(rows), what="input check")
        found = {name: checks[name][0].as_py() for name in checks.column_names}
        if not found.pop("rows"):
            raise EmptyInputError("the stage visits table has no rows")
        latest = float(found.pop("latest"))
        problems = [
            f"{count:,} row(s) with {name.replace('_', ' ')}"
            for name, count in found.items()
            if count
        ]
        if problems:
            raise InputError("the stage visits table has " + "; ".join(problems))
        if self.params.stages is not None:
            stages = self.fetch(rows.select("stage").distinct(), what="stage list")
            unknown = sorted(set(stages["stage"].to_pylist()) - set(self.params.stages))
            if unknown:
                raise InputError(
                    f"the deals name stages not in the given list: {', '.join(unknown)}"
                )
        as_of = self.params.as_of
        return latest if as_of is None else _day(as_of)

    def model(self, summary: ForecastSummary) -> ForecastResult:
        params = self.params
        deals = summary.open_deals
        stage = np.asarray(deals["stage"].to_numpy(zero_copy_only=False), dtype=object)
        age = _numbers(deals, "age")
        amount = _numbers(deals, "amount")
        count = _numbers(deals, "deals")
        won = _numbers(deals, "won", bool)
        # Engines return groups in any order; the draws must not depend on it.
        order = np.lexsort((won, amount, age, stage.astype(str)))
        stage, age, amount, count, won = (v[order] for v in (stage, age, amount, count, won))
        chances = np.zeros(len(count))
        history_of: dict[str, int] = {}
        for name in sorted(set(stage)):
            rows = stage == name
            chances[rows], history_of[name] = win_chances(
                summary.history, name, age[rows], params.horizon_days, params.min_history
            )
        unseen = sorted(name for name, total in history_of.items() if total == 0)
        skipped = 0
        if unseen:
            if params.unseen_stages == "error":
                raise InputError(
                    "no closed deal has passed through the stage(s) of some open deals: "
                    + ", ".join(unseen)
                )
            known = ~np.isin(stage, unseen)
            skipped = int(count[~known].sum())
            stage, age, amount, count, won, chances = (
                v[known] for v in (stage, age, amount, count, won, chances)
            )
        totals = simulate_won_amounts(
            count, chances, amount, simulations=params.simulations, seed=params.seed
        )
        tail = (1.0 - params.interval) / 2
        low, median, high = np.quantile(totals, [tail, 0.5, 1.0 - tail])
        stages = []
        for name in sorted(set(stage)):
            rows = stage == name
            worth = count[rows] * amount[rows]
            expected = float(worth @ chances[rows])
            stages.append(
                StageForecast(
                    stage=name,
                    open_deals=int(count[rows].sum()),
                    open_amount=float(worth.sum()),
                    history_deals=history_of[name],
                    win_chance=expected / float(worth.sum()) if worth.sum() > 0 else 0.0,
                    expected_wins=float(count[rows] @ chances[rows]),
                    expected_amount=expected,
                )
            )
        actual = float((count * amount)[won].sum())
        return ForecastResult(
            as_of=EPOCH + dt.timedelta(days=summary.as_of_day),
            horizon_days=params.horizon_days,
            open_deals=int(count.sum()),
            open_amount=float(count @ amount),
            expected_wins=float(count @ chances),
            expected_amount=float((count * amount) @ chances),
            interval=params.interval,
            low=float(low),
            high=float(high),
            median=float(median),
            stages=tuple(stages),
            skipped_deals=skipped,
            actual_amount=actual,
        )


def forecast_run(
    visits: Any,
    params: ForecastInput | None = None,
    *,
    table: str | None = None,
    limits: Limits | None = None,
) -> ForecastResult:
    """Forecast the won amount of the open deals in ``visits`` over the horizon.

    ``visits`` is anything :func:`~tandem.analytics.base.open_table` accepts. ``actual_amount``
    on the result is what the table already records as won in the horizon (0 for a forecast
    of the future; the truth for a date in the past).
    """
    source = open_table(visits, table=table)
    return Forecast(source, params or ForecastInput(), limits=limits).run()


class BacktestPoint(BaseModel):
    """One as-of date of a backtest: the forecast against what was then won."""

    model_config = ConfigDict(frozen=True)

    as_of: dt.datetime
    expected_amount: float
    low: float
    high: float
    actual_amount: float
    covered: bool


class BacktestResult(BaseModel):
    """How the forecast did on history: coverage of its interval and its errors."""

    model_config = ConfigDict(frozen=True)

    interval: float
    horizon_days: float
    points: tuple[BacktestPoint, ...]
    coverage: float = Field(description="Share of dates whose actual amount fell in the interval.")
    mean_absolute_error: float
    mean_absolute_percentage_error: float | None = Field(
        description="Over the dates with a positive actual amount; None when there are none."
    )
    bias: float = Field(description="Mean of forecast minus actual.")


def forecast_backtest(
    visits: Any,
    as_of_dates: Sequence[dt.datetime],
    params: ForecastInput | None = None,
    *,
    table: str | None = None,
    limits: Limits | None = None,
) -> BacktestResult:
    """Forecast as of each past date from the deals closed before it; compare with the truth.

    Each date's horizon must lie inside the table's time (else what was won is not known yet).
    """
    if not as_of_dates:
        raise InputError("a backtest needs at least one as-of date")
    params = params or ForecastInput()
    source = open_table(visits, table=table)
    points = []
    for as_of in sorted(as_of_dates):
        result = Forecast(source, params.model_copy(update={"as_of": as_of}), limits=limits).run()
        actual = result.actual_amount or 0.0
        points.append(
            BacktestPoint(
                as_of=result.as_of,
                expected_amount=result.expected_amount,
                low=result.low,
                high=result.high,
                actual_amount=actual,
                covered=result.low <= actual <= result.high,
            )
        )
    errors = np.array([p.expected_amount - p.actual_amount for p in points])
    positive = [p for p in points if p.actual_amount > 0]
    return BacktestResult(
        interval=params.interval,
        horizon_days=params.horizon_days,
        points=tuple(points),
        coverage=float(np.mean([p.covered for p in points])),
        mean_absolute_error=float(np.abs(errors).mean()),
        mean_absolute_percentage_error=(
            float(np.mean([abs(p.expected_amount / p.actual_amount - 1) for p in positive]))
            if positive
            else None
        ),
        bias=float(errors.mean()),
    )
