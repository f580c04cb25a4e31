"""Carry-over: a media-mix model from weekly spend per channel to a weekly outcome.

Two tables. **Spend**: one row per spend, ``week`` (a date or timestamp; any day counts for the
week starting that Monday), ``channel`` (string) and ``spend`` (≥ 0). **Outcome**: ``week`` and
``outcome`` (revenue, leads, … ; any sign). The Ibis part sums both per week (and channel);
every week between the first and the last outcome week needs an outcome, spend before the
first outcome week carries over into it, spend after the last is ignored.

The model, per week ``t``::

    outcome_t = base + trend·t/W + Σ_k (s_k sin + c_k cos)(2πkt/52.18)
              + Σ_channel β_c · hill_c(adstock_c(spend_c)_t)

* **adstock** spreads each week's spend over the following weeks with lag weights that add up
  to 1 (so adstock keeps the total spend): ``geometric`` weights ``(1−θ)θ^l``, or ``weibull``
  weights, the weekly increments of a Weibull(shape, scale) distribution (a delayed peak when
  shape > 1; shape 1 is geometric), both over ``max_lag_weeks`` weeks;
* **hill** saturation ``a^n / (a^n + K^n)``, with ``K = κ ×`` the channel's mean weekly spend;
* the effects ``β_c`` are non-negative; base, trend and seasonality are free. For given
  adstock and saturation parameters the effects are a bounded least-squares problem (NNLS
  after projecting out the free columns); those parameters are found by L-BFGS-B from several
  seeded starting points inside their bounds (variable projection).

Outputs per channel: the **long-run contribution** (what its spend adds over the data and over
the weeks its carry-over runs past the end), its **ROI** (contribution / spend) and the
**carry-over half-life** (weeks until half of a week's effect has been delivered). Diagnostics:
R², MAPE, lag-1 autocorrelation of the residuals and Durbin-Watson, and whether the fit
converged. A fit that does not converge raises :class:`FitDidNotConvergeError` and returns no
numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as ibis_dt
import numpy as np
import pyarrow as pa
from ibis import _
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import least_squares, nnls

from tandem.analytics.adstock import adstocked, half_life, hill, lag_weights
from tandem.analytics.base import Analysis, Limits, Params, Result, open_table
from tandem.analytics.errors import EmptyInputError, FitDidNotConvergeError, InputError

WEEKS_PER_YEAR = 52.1775
EPOCH_MONDAY = dt.date(1970, 1, 5)  # the first Monday after the epoch
SECONDS_PER_DAY = 86_400.0
# Bounds of the nonlinear parameters; κ, n, shape and scale are searched on a log scale.
DECAY_BOUNDS = (0.0, 0.95)
HALF_SATURATION_BOUNDS = (0.1, 10.0)
SLOPE_BOUNDS = (0.5, 4.0)
SHAPE_BOUNDS = (0.3, 6.0)
SCALE_BOUNDS = (0.2, 16.0)


class MMMInput(Params):
    """The shape of the model and how hard to search for its parameters."""

    adstock: Literal["geometric", "weibull"] = "geometric"
    max_lag_weeks: int = Field(default=26, ge=1, le=104)
    seasonality_harmonics: int = Field(
        default=2, ge=0, le=10, description="Fourier pairs of the yearly season (0: none)."
    )
    trend: bool = True
    channels: tuple[str, ...] | None = Field(
        default=None, description="The known channels; any other channel is an error."
    )
    starts: int = Field(default=6, ge=1, le=100, description="Starting points of the search.")
    max_iterations: int = Field(
        default=400, ge=1, description="Evaluations of the model per starting point."
    )
    seed: int = 0


class ChannelEffect(BaseModel):
    """What one channel's spend brought, and how its effect carries over and saturates."""

    model_config = ConfigDict(frozen=True)

    channel: str
    spend: float
    contribution: float = Field(description="Long-run contribution of the channel's spend.")
    roi: float = Field(description="Contribution per unit of spend.")
    share: float = Field(description="Share of the outcome (over the data weeks) it explains.")
    effect: float = Field(description="β: the outcome at full saturation, per week.")
    half_life_weeks: float
    decay: float | None = Field(default=None, description="θ of geometric adstock.")
    shape: float | None = Field(default=None, description="Weibull shape.")
    scale: float | None = Field(default=None, description="Weibull scale, in weeks.")
    half_saturation: float = Field(description="K: the adstocked weekly spend of half effect.")
    slope: float = Field(description="n, the Hill slope.")


class MMMDiagnostics(BaseModel):
    """How well the model fits the weeks it saw, and how the search went."""

    model_config = ConfigDict(frozen=True)

    r_squared: float
    mape: float | None = Field(description="Mean absolute percentage error (weeks with outcome≠0).")
    residual_autocorrelation: float = Field(description="Lag-1 autocorrelation of residuals.")
    durbin_watson: float
    converged: bool
    iterations: int
    starts: int


class MMMResult(Result):
    """Each channel's contribution, ROI and carry-over, with the fit's diagnostics."""

    weeks: int
    first_week: dt.date
    last_week: dt.date
    adstock: str
    channels: tuple[ChannelEffect, ...]
    base: float = Field(description="Outcome over the data weeks not explained by channels.")
    diagnostics: MMMDiagnostics
    notes: tuple[str, ...] = Field(
        default=(), description="What the caller says about the data fed in (sources, gaps)."
    )

    def by_channel(self, channel: str) -> ChannelEffect:
        """Return one channel's effect."""
        for effect in self.channels:
            if effect.channel == channel:
                return effect
        raise KeyError(channel)


@dataclass(frozen=True)
class Design:
    """The weekly data laid out for the fit (scaled: outcome by its mean absolute value)."""

    channels: tuple[str, ...]
    spend: np.ndarray  # weeks of spend (carry-in + data + tail of zeros) × channels
    carry_in: int  # weeks of spend before the first outcome week
    outcome: np.ndarray  # data weeks
    free: np.ndarray  # data weeks × base/trend/season columns
    scale: float
    mean_spend: np.ndarray


class MediaMix:
    """The numeric model on the weekly summary."""

    def __init__(self, design: Design, params: MMMInput):
        self.design = design
        self.params = params
        self.kind = params.adstock
        self.per_channel = 4 if self.kind == "weibull" else 3
        low, high = self._bounds()
        self.low, self.high = (
            np.tile(low, len(design.channels)),
            np.tile(high, len(design.channels)),
        )
        # Project out the free columns once: the effects then solve a plain NNLS.
        self.basis, _ = np.linalg.qr(design.free)
        self.free_solver = np.linalg.pinv(design.free)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        log = np.log
        if self.kind == "geometric":
            pairs = [DECAY_BOUNDS]
        else:
            pairs = [(log(SHAPE_BOUNDS[0]), log(SHAPE_BOUNDS[1]))]
            pairs.append((log(SCALE_BOUNDS[0]), log(SCALE_BOUNDS[1])))
        pairs.append((log(HALF_SATURATION_BOUNDS[0]), log(HALF_SATURATION_BOUNDS[1])))
        pairs.append((log(SLOPE_BOUNDS[0]), log(SLOPE_BOUNDS[1])))
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

    def channel_params(self, unit: np.ndarray) -> list[tuple[np.ndarray, float, float]]:
        """Per channel: lag parameters, half-saturation multiple κ, slope n (from the unit box)."""
        values = self.low + np.clip(unit, 0.0, 1.0) * (self.high - self.low)
        out = []
        for c in range(len(self.design.channels)):
            row = values[c * self.per_channel : (c + 1) * self.per_channel]
            lag = row[:1] if self.kind == "geometric" else np.exp(row[:2])
            out.append((lag, float(np.exp(row[-2])), float(np.exp(row[-1]))))
        return out

    def saturated(self, unit: np.ndarray) -> np.ndarray:
        """All spend weeks (carry-in, data, tail) × channels of saturated adstock."""
        design = self.design
        columns = []
        for c, (lag, kappa, slope) in enumerate(self.channel_params(unit)):
            weights = lag_weights(self.kind, lag, self.params.max_lag_weeks)
            stock = adstocked(design.spend[:, c], weights)
            columns.append(hill(stock, kappa * design.mean_spend[c], slope))
        return np.column_stack(columns)

    def solve(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Residuals, effects, free coefficients and the saturated columns."""
        design = self.design
        weeks = len(design.outcome)
        columns = self.saturated(unit)
        data = columns[design.carry_in : design.carry_in + weeks]
        basis = self.basis
        y = design.outcome - basis @ (basis.T @ design.outcome)
        m = data - basis @ (basis.T @ data)
        effects, _ = nnls(m, y, maxiter=50 * m.shape[1] + 50)
        rest = design.outcome - data @ effects
        free = self.free_solver @ rest
        return rest - design.free @ free, effects, free, columns

    def fit(self) -> tuple[np.ndarray, bool, int]:
        """The best unit-box parameters over the seeded starts, whether that search converged."""
        rng = np.random.default_rng(self.params.seed)
        size = len(self.low)
        starts = [np.full(size, 0.5)]
        starts += [rng.uniform(0.05, 0.95, size) for _ in range(self.params.starts - 1)]
        best = None
        for start in starts:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                outcome = least_squares(
                    lambda unit: self.solve(unit)[0],
                    start,
                    bounds=(0.0, 1.0),
                    method="trf",
                    diff_step=1e-6,
                    max_nfev=self.params.max_iterations,
                    xtol=1e-10,
                    ftol=1e-12,
                    gtol=1e-10,
                )
            if best is None or outcome.cost < best.cost:
                best = outcome
        assert best is not None  # noqa: S101 — there is always one start
        # status 0: the evaluation budget ran out before any tolerance was met.
        converged = bool(np.isfinite(best.cost)) and best.status > 0
        return np.asarray(best.x), converged, int(best.nfev)


@dataclass(frozen=True)
class MMMSummary:
    """Weekly sums from the engine: spend per (week, channel) and outcome per week."""

    spend: pa.Table
    outcome: pa.Table


def _week_number(value: ibis.Value) -> ibis.Value:
    """Weeks since the Monday 1970-01-05, from a date or timestamp column."""
    if not value.type().is_timestamp():
        value = value.cast(ibis_dt.timestamp)
    days = (value.epoch_seconds().cast(ibis_dt.float64) / SECONDS_PER_DAY).floor()
    offset = (EPOCH_MONDAY - dt.date(1970, 1, 1)).days
    return ((days - offset) / 7.0).floor().cast(ibis_dt.int64)


def weekly_spend(table: ibis.Table) -> ibis.Table:
    """Spend summed per (week, channel), with counts of rows that break the format."""
    missing = [name for name in ("week", "channel", "spend") if name not in table.columns]
    if missing:
        raise InputError(f"the spend table lacks the column(s): {', '.join(missing)}")
    rows = table.select(
        week=_week_number(table.week),
        channel=table.channel.cast(ibis_dt.string),
        spend=table.spend.cast(ibis_dt.float64),
    )
    return rows.group_by(["week", "channel"]).aggregate(
        spend=rows.spend.sum(),
        rows=_.count(),
        missing_spend=ibis.ifelse(rows.spend.isnull(), 1, 0).sum(),
        negative_spend=ibis.ifelse(rows.spend < 0, 1, 0).sum(),
    )


def weekly_outcome(table: ibis.Table) -> ibis.Table:
    """Outcome summed per week, with a count of rows without an outcome."""
    missing = [name for name in ("week", "outcome") if name not in table.columns]
    if missing:
        raise InputError(f"the outcome table lacks the column(s): {', '.join(missing)}")
    rows = table.select(week=_week_number(table.week), outcome=table.outcome.cast(ibis_dt.float64))
    return rows.group_by("week").aggregate(
        outcome=rows.outcome.sum(),
        missing_outcome=ibis.ifelse(rows.outcome.isnull(), 1, 0).sum(),
    )


def _week_date(week: int) -> dt.date:
    return EPOCH_MONDAY + dt.timedelta(weeks=week)


class MMM(Analysis[MMMInput, MMMSummary, MMMResult]):
    """The media-mix model of one spend table against one outcome table."""

    name = "mmm"

    def __init__(
        self,
        spend: ibis.Table,
        outcome: ibis.Table,
        params: MMMInput,
        *,
        limits: Limits | None = None,
    ):
        super().__init__(spend, params, limits=limits)
        self.outcome = outcome

    def summarize(self) -> MMMSummary:
        spend = self.fetch(weekly_spend(self.table), what="weekly spend")
        outcome = self.fetch(weekly_outcome(self.outcome), what="weekly outcome")
        if spend.num_rows == 0:
            raise EmptyInputError("the spend table has no rows")
        if outcome.num_rows == 0:
            raise EmptyInputError("the outcome table has no rows")
        problems = {
            "missing week": _nulls(spend, "week") + _nulls(outcome, "week"),
            "missing channel": _nulls(spend, "channel"),
            "missing spend": _total(spend, "missing_spend"),
            "negative spend": _total(spend, "negative_spend"),
            "missing outcome": _total(outcome, "missing_outcome"),
        }
        found = [f"{count:,} row(s) with {name}" for name, count in problems.items() if count]
        if found:
            raise InputError("the spend and outcome tables have " + "; ".join(found))
        if self.params.channels is not None:
            unknown = sorted(set(spend["channel"].to_pylist()) - set(self.params.channels))
            if unknown:
                raise InputError(
                    f"the spend names channels not in the given list: {', '.join(unknown)}"
                )
        return MMMSummary(spend=spend, outcome=outcome)

    def design(self, summary: MMMSummary) -> tuple[Design, int]:
        params = self.params
        outcome_weeks = np.asarray(summary.outcome["week"].to_numpy(), dtype=np.int64)
        first, last = int(outcome_weeks.min()), int(outcome_weeks.max())
        weeks = last - first + 1
        if len(outcome_weeks) != weeks:
            raise InputError(
                f"{weeks - len(outcome_weeks)} week(s) between the first and the last outcome "
                "week have no outcome"
            )
        outcome = np.zeros(weeks)
        outcome[outcome_weeks - first] = np.asarray(summary.outcome["outcome"].to_numpy(), float)

        spend_week = np.asarray(summary.spend["week"].to_numpy(), dtype=np.int64)
        amount = np.asarray(summary.spend["spend"].to_numpy(zero_copy_only=False), float)
        names = summary.spend["channel"].to_pylist()
        kept = spend_week <= last
        start = min(first, int(spend_week[kept].min())) if kept.any() else first
        channels = tuple(sorted(set(names)))
        index = {name: i for i, name in enumerate(channels)}
        lags = params.max_lag_weeks
        matrix = np.zeros((last - start + 1 + lags, len(channels)))
        rows = spend_week[kept] - start
        cols = np.array([index[n] for n, k in zip(names, kept, strict=True) if k], dtype=np.int64)
        np.add.at(matrix, (rows, cols), amount[kept])
        totals = matrix.sum(axis=0)
        idle = [name for name, total in zip(channels, totals, strict=True) if total <= 0]
        if idle:
            raise InputError(f"channel(s) without spend: {', '.join(idle)}")

        t = np.arange(weeks, dtype=float)
        free = [np.ones(weeks)]
        if params.trend:
            free.append(t / max(weeks - 1, 1))
        for k in range(1, params.seasonality_harmonics + 1):
            angle = 2 * np.pi * k * (first + t) / WEEKS_PER_YEAR
            free += [np.sin(angle), np.cos(angle)]
        unknowns = len(free) + len(channels) * (5 if params.adstock == "weibull" else 4)
        if weeks < unknowns + 8:
            raise InputError(
                f"{weeks} week(s) of outcome are too few for {unknowns} parameters; "
                f"give at least {unknowns + 8} weeks or fewer channels or harmonics"
            )
        scale = float(np.mean(np.abs(outcome))) or 1.0
        positive = np.where(matrix > 0, matrix, np.nan)
        design = Design(
            channels=channels,
            spend=matrix,
            carry_in=first - start,
            outcome=outcome / scale,
            free=np.column_stack(free),
            scale=scale,
            mean_spend=np.nanmean(positive, axis=0),
        )
        return design, first

    def model(self, summary: MMMSummary) -> MMMResult:
        design, first = self.design(summary)
        mix = MediaMix(design, self.params)
        unit, converged, iterations = mix.fit()
        if not converged:
            raise FitDidNotConvergeError(
                f"the media-mix fit did not converge in {self.params.max_iterations} iterations; "
                "raise max_iterations or simplify the model (fewer channels or harmonics)"
            )
        residuals, effects, free, columns = mix.solve(unit)
        rss = float(residuals @ residuals)
        weeks = len(design.outcome)
        data = slice(design.carry_in, design.carry_in + weeks)
        fitted = (columns[data] @ effects + design.free @ free) * design.scale
        actual = design.outcome * design.scale
        residual = actual - fitted
        spread = float(((actual - actual.mean()) ** 2).sum())
        nonzero = actual != 0
        effects_out = []
        explained = columns[data] * effects * design.scale
        for c, (lag, kappa, slope) in enumerate(mix.channel_params(unit)):
            weights = lag_weights(mix.kind, lag, self.params.max_lag_weeks)
            spend = float(design.spend[:, c].sum())
            contribution = float(columns[:, c].sum() * effects[c] * design.scale)
            effects_out.append(
                ChannelEffect(
                    channel=design.channels[c],
                    spend=spend,
                    contribution=contribution,
                    roi=contribution / spend,
                    share=float(explained[:, c].sum() / actual.sum()) if actual.sum() else 0.0,
                    effect=float(effects[c] * design.scale),
                    half_life_weeks=half_life(weights),
                    decay=float(lag[0]) if mix.kind == "geometric" else None,
                    shape=float(lag[0]) if mix.kind == "weibull" else None,
                    scale=float(lag[1]) if mix.kind == "weibull" else None,
                    half_saturation=float(kappa * design.mean_spend[c]),
                    slope=slope,
                )
            )
        diagnostics = MMMDiagnostics(
            r_squared=1.0 - float(residual @ residual) / spread if spread > 0 else 1.0,
            mape=float(np.mean(np.abs(residual[nonzero] / actual[nonzero])))
            if nonzero.any()
            else None,
            residual_autocorrelation=_autocorrelation(residual),
            durbin_watson=float((np.diff(residual) ** 2).sum() / (residual @ residual))
            if rss > 0
            else 2.0,
            converged=converged,
            iterations=iterations,
            starts=self.params.starts,
        )
        return MMMResult(
            weeks=weeks,
            first_week=_week_date(first),
            last_week=_week_date(first + weeks - 1),
            adstock=self.params.adstock,
            channels=tuple(effects_out),
            base=float(actual.sum() - explained.sum()),
            diagnostics=diagnostics,
        )


def _nulls(table: pa.Table, name: str) -> int:
    return int(table[name].null_count)


def _total(table: pa.Table, name: str) -> int:
    return int(np.nansum(np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=float)))


def _autocorrelation(residual: np.ndarray) -> float:
    centred = residual - residual.mean()
    denominator = float(centred @ centred)
    return float(centred[1:] @ centred[:-1] / denominator) if denominator > 0 else 0.0


def mmm_run(
    spend: Any,
    outcome: Any,
    params: MMMInput | None = None,
    *,
    spend_table: str | None = None,
    outcome_table: str | None = None,
    limits: Limits | None = None,
) -> MMMResult:
    """Fit the media-mix model of ``spend`` against ``outcome``.

    Both are anything :func:`~tandem.analytics.base.open_table` accepts (for a database URL,
    name the tables with ``spend_table`` and ``outcome_table``).
    """
    spend_source = open_table(spend, table=spend_table)
    outcome_source = open_table(outcome, table=outcome_table)
    return MMM(spend_source, outcome_source, params or MMMInput(), limits=limits).run()
