"""The repeat-sales analysis: purchases → summaries on the engine → BG/NBD, Gamma-Gamma, CLV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from tandem.analytics.base import Analysis, Limits, open_table
from tandem.analytics.clv import bgnbd, gamma_gamma, queries
from tandem.analytics.clv.inputs import (
    BgNbdParameters,
    CLVInput,
    CLVResult,
    GammaGammaParameters,
)
from tandem.analytics.errors import EmptyInputError, InputError

EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class CLVSummary:
    """What the engine returns: the deduplicated histories, and those of repeat customers."""

    end_day: int
    histories: pa.Table
    spend: pa.Table | None


def _column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=float)


def _day_of(moment: datetime) -> int:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - EPOCH).days


class CLV(Analysis[CLVInput, CLVSummary, CLVResult]):
    """Repeat purchases (BG/NBD), spend (Gamma-Gamma) and discounted lifetime value."""

    name = "clv"

    def summarize(self) -> CLVSummary:
        rows = queries.purchase_rows(self.table)
        checks = self.fetch(queries.input_problems(rows), what="input check")
        found = {name: checks[name][0].as_py() for name in checks.column_names}
        if not found.pop("rows"):
            raise EmptyInputError("the purchases table has no rows")
        last_day = int(found.pop("last_day"))
        problems = [
            f"{count:,} row(s) with {name.replace('_', ' ')}"
            for name, count in found.items()
            if count
        ]
        if problems:
            raise InputError("the purchases table has " + "; ".join(problems))
        observed_until = self.params.observed_until
        end_day = last_day if observed_until is None else _day_of(observed_until)
        per_customer = queries.customers(rows, end_day)
        histories = self.fetch(queries.repeat_summary(per_customer), what="purchase summary")
        if histories.num_rows == 0:
            raise EmptyInputError("no purchase falls on or before the end of the observation")
        spend = (
            self.fetch(queries.spend_summary(per_customer), what="spend summary")
            if self.params.fit_spend
            else None
        )
        return CLVSummary(end_day=end_day, histories=histories, spend=spend)

    def model(self, summary: CLVSummary) -> CLVResult:
        params = self.params
        unit = params.time_unit_days
        histories = summary.histories
        x, t_x, T = (_column(histories, name) for name in ("x", "t_x", "T"))
        count = _column(histories, "customers")
        purchase_fit = bgnbd.fit(bgnbd.RepeatSummary(x, t_x / unit, T / unit, count))

        horizon = params.horizon_periods * params.period_days / unit
        expected = purchase_fit.expected_purchases(horizon, x, t_x / unit, T / unit)
        alive = purchase_fit.p_alive(x, t_x / unit, T / unit)

        spend_fit = None
        expected_value = None
        if summary.spend is not None:
            spend = summary.spend
            sx, sm, scount = _column(spend, "x"), _column(spend, "m"), _column(spend, "customers")
            positive = sm > 0
            totals_x, inverse = np.unique(
                np.column_stack([sx, sm])[positive], axis=0, return_inverse=True
            )
            weights = np.bincount(inverse.ravel(), scount[positive], len(totals_x))
            spend_fit = gamma_gamma.fit(
                gamma_gamma.SpendSummary(totals_x[:, 0], totals_x[:, 1], weights)
            )
            newcomers = x == 0
            expected_value = float(
                count[newcomers]
                @ lifetime_value(
                    purchase_fit,
                    spend_fit,
                    params,
                    x[newcomers],
                    t_x[newcomers],
                    T[newcomers],
                    np.zeros(int(newcomers.sum())),
                )
                + scount
                @ lifetime_value(
                    purchase_fit,
                    spend_fit,
                    params,
                    sx,
                    _column(spend, "t_x"),
                    _column(spend, "T"),
                    sm,
                )
            )
        return CLVResult(
            customers=int(count.sum()),
            repeat_customers=int(count[x > 0].sum()),
            observed_until=EPOCH + timedelta(days=summary.end_day),
            purchase_model=BgNbdParameters(**vars(purchase_fit)),
            spend_model=(
                GammaGammaParameters(**vars(spend_fit), customers=int(weights.sum()))
                if spend_fit is not None
                else None
            ),
            expected_purchases=float(count @ expected),
            mean_p_alive=float(count @ alive / count.sum()),
            expected_value=expected_value,
        )


def lifetime_value(
    purchases: bgnbd.BgNbdFit,
    spend: gamma_gamma.GammaGammaFit,
    params: CLVInput,
    x: np.ndarray,
    t_x_days: np.ndarray,
    T_days: np.ndarray,
    m: np.ndarray,
) -> np.ndarray:
    """Discounted value per customer over ``params.horizon_periods`` periods.

    Each period's expected purchases (the growth of the BG/NBD expectation) times the
    expected spend per purchase, discounted by ``(1 + discount_rate) ** period``.
    """
    unit = params.time_unit_days
    t_x, T = np.asarray(t_x_days, float) / unit, np.asarray(T_days, float) / unit
    per_purchase = spend.expected_spend(x, m)
    value = np.zeros(len(x))
    previous = np.zeros(len(x))
    for period in range(1, params.horizon_periods + 1):
        cumulative = purchases.expected_purchases(period * params.period_days / unit, x, t_x, T)
        value += (cumulative - previous) * per_purchase / (1.0 + params.discount_rate) ** period
        previous = cumulative
    return value


def clv_run(
    purchases: Any,
    params: CLVInput | None = None,
    *,
    table: str | None = None,
    limits: Limits | None = None,
) -> CLVResult:
    """Fit repeat purchases and spend on ``purchases`` and value the customer base.

    ``purchases`` is anything :func:`~tandem.analytics.base.open_table` accepts.
    """
    source = open_table(purchases, table=table)
    return CLV(source, params or CLVInput(), limits=limits).run()
