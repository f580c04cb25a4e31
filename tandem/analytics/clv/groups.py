"""Lifetime value by acquiring campaign, channel or segment: the marathon view.

The models are fitted once on every customer (:class:`~tandem.analytics.clv.CLV`); a second
Ibis query joins each customer's purchase history to a **groups** table (``customer_id``,
``group``; a customer in several groups counts in each, a customer in none counts under
``(no group)``) and returns the histories deduplicated per group. Each group's customers are
then valued with the fitted models: expected purchases over the horizon, P(alive) and the
discounted lifetime value (customers without a repeat purchase get the population's mean spend).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
from ibis import _
from pydantic import BaseModel, ConfigDict

from tandem.analytics.base import Limits, Result, open_table, single_threaded_blas
from tandem.analytics.clv import bgnbd, gamma_gamma, queries
from tandem.analytics.clv.analysis import CLV, EPOCH, lifetime_value
from tandem.analytics.clv.inputs import CLVInput, CLVResult
from tandem.analytics.errors import InputError

NO_GROUP = "(no group)"


class GroupValue(BaseModel):
    """What one group's customers are expected to bring."""

    model_config = ConfigDict(frozen=True)

    group: str
    customers: int
    repeat_customers: int
    expected_purchases: float
    mean_p_alive: float
    total_value: float
    mean_value: float


class CLVByGroupResult(Result):
    """The whole base's fit and the value of each group, largest total value first."""

    overall: CLVResult
    groups: tuple[GroupValue, ...]

    def by_group(self, group: str) -> GroupValue:
        """Return one group's value."""
        for value in self.groups:
            if value.group == group:
                return value
        raise KeyError(group)


def grouped_histories(per_customer: ibis.Table, groups: ibis.Table) -> ibis.Table:
    """Histories joined to groups and deduplicated on ``(group, x, t_x, T, m)``."""
    missing = [name for name in ("customer_id", "group") if name not in groups.columns]
    if missing:
        raise InputError(f"the groups table lacks the column(s): {', '.join(missing)}")
    memberships = groups.select(
        member_id=groups.customer_id, group=groups.group.cast(dt.string)
    ).distinct()
    joined = per_customer.left_join(memberships, per_customer.customer_id == memberships.member_id)
    rows = joined.select(
        group=joined.group.fill_null(NO_GROUP),
        x=joined.x,
        t_x=joined.t_x,
        T=joined["T"],
        m=ibis.ifelse(
            joined.x > 0, joined.repeat_spend / joined.x.cast(dt.float64), ibis.literal(0.0)
        ),
    )
    return rows.group_by(["group", "x", "t_x", "T", "m"]).aggregate(customers=_.count())


def _column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=float)


def value_groups(
    summary: pa.Table,
    purchases: bgnbd.BgNbdFit,
    spend: gamma_gamma.GammaGammaFit,
    params: CLVInput,
) -> tuple[GroupValue, ...]:
    """Value each row of :func:`grouped_histories` and add the rows up per group."""
    unit = params.time_unit_days
    names = np.asarray(summary["group"].to_pylist(), dtype=object)
    x, t_x, T, m = (_column(summary, name) for name in ("x", "t_x", "T", "m"))
    count = _column(summary, "customers")
    labels, code = np.unique(names.astype(str), return_inverse=True)
    horizon = params.horizon_periods * params.period_days / unit
    with single_threaded_blas():
        expected = purchases.expected_purchases(horizon, x, t_x / unit, T / unit)
        alive = purchases.p_alive(x, t_x / unit, T / unit)
        value = lifetime_value(purchases, spend, params, x, t_x, T, np.where(x > 0, m, 0.0))

    def per_group(weights: np.ndarray) -> np.ndarray:
        return np.bincount(code, weights, len(labels))

    customers = per_group(count)
    totals = per_group(count * value)
    rows = [
        GroupValue(
            group=str(label),
            customers=int(customers[i]),
            repeat_customers=int(per_group(count * (x > 0))[i]),
            expected_purchases=float(per_group(count * expected)[i]),
            mean_p_alive=float(per_group(count * alive)[i] / customers[i]),
            total_value=float(totals[i]),
            mean_value=float(totals[i] / customers[i]),
        )
        for i, label in enumerate(labels)
    ]
    rows.sort(key=lambda row: (-row.total_value, row.group))
    return tuple(rows)


def clv_by_group(
    purchases: Any,
    groups: Any,
    params: CLVInput | None = None,
    *,
    table: str | None = None,
    groups_table: str | None = None,
    limits: Limits | None = None,
) -> CLVByGroupResult:
    """Fit on all customers of ``purchases``, then value each group of ``groups``.

    Both are anything :func:`~tandem.analytics.base.open_table` accepts; their
    ``customer_id`` columns must have the same type.
    """
    params = params or CLVInput()
    if not params.fit_spend:
        raise InputError("lifetime value by group needs the spend model (fit_spend=True)")
    source = open_table(purchases, table=table)
    memberships = open_table(groups, table=groups_table)
    analysis = CLV(source, params, limits=limits)
    overall = analysis.run()
    assert overall.spend_model is not None  # noqa: S101 — fit_spend is checked above
    end_day = (overall.observed_until - EPOCH).days
    per_customer = queries.customers(queries.purchase_rows(source), end_day)
    started = datetime.now()
    summary = analysis.fetch(
        grouped_histories(per_customer, memberships), what="purchase summary by group"
    )
    purchase_fit = bgnbd.BgNbdFit(**overall.purchase_model.model_dump())
    spend_model = overall.spend_model.model_dump(exclude={"customers"})
    spend_fit = gamma_gamma.GammaGammaFit(**spend_model)
    values = value_groups(summary, purchase_fit, spend_fit, params)
    timings = overall.timings.model_copy(
        update={
            "query_seconds": overall.timings.query_seconds
            + (datetime.now() - started).total_seconds()
        }
    )
    return CLVByGroupResult(
        backend=overall.backend, timings=timings, overall=overall, groups=values
    )
