"""The same Ibis expressions on Apache Spark (local mode) give the in-process results.

Every test here shares one Spark session (``spark_backend`` in ``conftest.py``); they skip,
saying why, when Java or pyspark is missing.
"""

from __future__ import annotations

import datetime as dt
import uuid

import ibis
import pyarrow as pa
import pytest

from tandem.analytics import forecast, mmm, mmm_simulation
from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.clv import queries as clv_queries
from tests.analytics.helpers import START
from tests.analytics.test_backends import sample_journeys, sample_purchases, sorted_rows

pytestmark = pytest.mark.spark


def on_spark(backend, data: pa.Table) -> ibis.Table:
    """``data`` as a Spark temporary view (nothing written to disk), read through Ibis."""
    name = f"tandem_{uuid.uuid4().hex[:10]}"
    backend._session.createDataFrame(data.to_pandas()).createOrReplaceTempView(name)
    return backend.table(name)


def on_duckdb(data: pa.Table) -> ibis.Table:
    return ibis.duckdb.connect().create_table("data", data)


def rows_of(expr: ibis.Table, keys: list[str]) -> list[dict]:
    return sorted_rows(expr.to_pyarrow(), keys)


def approx_rows(found: list[dict], expected: list[dict]) -> None:
    assert len(found) == len(expected)
    for got, want in zip(found, expected, strict=True):
        assert got == pytest.approx(want)


def test_attribution_is_the_same_on_spark(spark_backend):
    params = AttributionInput(
        models=(AttributionModel.MARKOV, AttributionModel.LINEAR, AttributionModel.SHAPLEY),
        markov_order=2,
    )
    data = sample_journeys()

    found = attribution_run(on_spark(spark_backend, data), params)
    expected = attribution_run(on_duckdb(data), params)

    assert found.backend == "pyspark"
    assert (found.journeys, found.conversions) == (expected.journeys, expected.conversions)
    for model in params.models:
        assert found.by_model(model).conversions_by_key() == pytest.approx(
            expected.by_model(model).conversions_by_key(), abs=1e-9
        )


def test_purchase_summaries_are_the_same_on_spark(spark_backend):
    end_day = (START.date() + dt.timedelta(days=300) - dt.date(1970, 1, 1)).days
    data = sample_purchases()
    summaries = []
    for table in (on_spark(spark_backend, data), on_duckdb(data)):
        customers = clv_queries.customers(clv_queries.purchase_rows(table), end_day)
        summaries.append(
            (
                rows_of(clv_queries.repeat_summary(customers), ["x", "t_x", "T"]),
                rows_of(clv_queries.spend_summary(customers), ["x", "t_x", "T", "m"]),
            )
        )

    (histories, spend), (expected_histories, expected_spend) = summaries
    assert histories == expected_histories
    approx_rows(spend, expected_spend)


def test_forecast_summaries_are_the_same_on_spark(spark_backend):
    from tests.analytics.test_forecast import simulated_visits

    data, _, _ = simulated_visits(300, seed=3)
    as_of = forecast._day(dt.datetime(2024, 3, 1))
    summaries = []
    for table in (on_spark(spark_backend, data), on_duckdb(data)):
        rows = forecast.visit_rows(table)
        summaries.append(
            (
                rows_of(forecast.history_summary(rows, as_of), ["stage", "dwell", "close", "won"]),
                rows_of(forecast.open_deals(rows, as_of, 30.0), ["stage", "age", "amount", "won"]),
                forecast.input_problems(rows).to_pyarrow().to_pylist(),
            )
        )

    assert summaries[0][:2] == summaries[1][:2]
    assert len(summaries[0][0]) > 10
    # Spark divides by a decimal literal: the latest time agrees to about 1e-12.
    approx_rows(summaries[0][2], summaries[1][2])


def test_mmm_weekly_sums_are_the_same_on_spark(spark_backend):
    channel = mmm_simulation.PlantedChannel("search", level=100, effect=300, decay=0.3)
    spend, outcome, _ = mmm_simulation.simulate_weeks((channel,), weeks=40, seed=1)
    found = []
    for to_table in (lambda d: on_spark(spark_backend, d), on_duckdb):
        found.append(
            (
                rows_of(mmm.weekly_spend(to_table(spend)), ["week", "channel"]),
                rows_of(mmm.weekly_outcome(to_table(outcome)), ["week"]),
            )
        )

    (spark_spend, spark_outcome), (duck_spend, duck_outcome) = found
    approx_rows(spark_spend, duck_spend)
    approx_rows(spark_outcome, duck_outcome)
    assert len(spark_outcome) == 40
