"""Lifetime value by acquiring campaign, channel or segment."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from tandem.analytics.clv import CLVInput, bgnbd, gamma_gamma, lifetime_value
from tandem.analytics.clv.groups import NO_GROUP, clv_by_group
from tandem.analytics.clv.simulate import Truth, simulate_purchases
from tandem.analytics.errors import InputError
from tests.analytics.helpers import START

PARAMS = CLVInput(observed_until=START + dt.timedelta(days=300), time_unit_days=7)


@pytest.fixture(scope="module")
def purchases() -> pa.Table:
    return simulate_purchases(400, Truth(), max_age=300, seed=7, start=START)


def groups_for(customers: range, name) -> pa.Table:
    ids = list(customers)
    return pa.table({"customer_id": ids, "group": [name(i) for i in ids]})


def test_groups_add_up_to_the_whole_base(purchases):
    groups = groups_for(range(400), lambda i: "webinar" if i % 3 == 0 else "search")

    result = clv_by_group(purchases, groups, PARAMS)

    assert {g.group for g in result.groups} == {"webinar", "search"}
    assert sum(g.customers for g in result.groups) == result.overall.customers == 400
    assert sum(g.total_value for g in result.groups) == pytest.approx(
        result.overall.expected_value, rel=1e-9
    )
    assert sum(g.expected_purchases for g in result.groups) == pytest.approx(
        result.overall.expected_purchases, rel=1e-9
    )


def test_a_group_is_valued_with_the_whole_base_fit(purchases):
    # One customer alone in a group: its value is the model's value of that one history.
    groups = groups_for(range(1), lambda i: "referral")

    result = clv_by_group(purchases, groups, PARAMS)

    single = result.by_group("referral")
    first = purchases.filter(pa.compute.equal(purchases["customer_id"], 0)).to_pylist()
    days = sorted({(row["purchased_at"].date() - dt.date(1970, 1, 1)).days for row in first})
    end_day = (PARAMS.observed_until.date() - dt.date(1970, 1, 1)).days
    x, t_x, T = len(days) - 1, days[-1] - days[0], end_day - days[0]
    spend = sum(
        r["amount"] for r in first if r["purchased_at"].date() != first[0]["purchased_at"].date()
    )
    m = spend / x if x else 0.0
    fit = bgnbd.BgNbdFit(**result.overall.purchase_model.model_dump())
    spend_fit = gamma_gamma.GammaGammaFit(
        **result.overall.spend_model.model_dump(exclude={"customers"})
    )
    expected = lifetime_value(
        fit, spend_fit, PARAMS, np.array([x]), np.array([t_x]), np.array([T]), np.array([m])
    )
    assert single.customers == 1
    assert single.total_value == pytest.approx(float(expected[0]), rel=1e-9)
    assert result.by_group(NO_GROUP).customers == 399


def test_a_customer_in_two_segments_counts_in_each(purchases):
    groups = pa.table({"customer_id": [0, 0, 1], "group": ["enterprise", "emea", "emea"]})

    result = clv_by_group(purchases, groups, PARAMS)

    assert result.by_group("emea").customers == 2
    assert result.by_group("enterprise").customers == 1
    assert sum(g.customers for g in result.groups) == 401


def test_the_groups_table_needs_its_columns(purchases):
    with pytest.raises(InputError, match="groups table lacks the column"):
        clv_by_group(purchases, pa.table({"customer_id": [1]}), PARAMS)
