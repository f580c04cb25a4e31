"""The same Ibis queries give the same summaries on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.attribution import queries as attribution_queries
from tandem.analytics.clv import CLVInput, clv_run
from tandem.analytics.clv import queries as clv_queries
from tandem.analytics.clv.simulate import Truth, simulate_purchases
from tests.analytics.helpers import START, journeys, loaded

BACKENDS = ["duckdb", "sqlite", "postgres"]


def sample_journeys() -> pa.Table:
    rng = random.Random(42)
    kinds = ["touch", "touch", "touch", "lead_created", "deal_created"]
    paths = []
    for _ in range(300):
        path = [(rng.choice("abcd"), rng.choice(kinds)) for _ in range(rng.randint(1, 5))]
        converted = rng.random() < 0.3
        paths.append((path, converted, round(rng.uniform(1, 100), 2) if converted else 0.0))
    return journeys(paths, hours_apart=30)


def sample_purchases() -> pa.Table:
    return simulate_purchases(400, Truth(), max_age=300, seed=7, start=START)


def sorted_rows(table: pa.Table, keys: list[str]) -> list[dict]:
    rows = table.to_pylist()
    return sorted(
        rows,
        key=lambda row: tuple(
            str(row[k]) if not isinstance(row[k], float) else round(row[k], 6) for k in keys
        ),
    )


ALL_MODELS = AttributionInput(markov_order=2, lookback_days=20)


@pytest.fixture(scope="module")
def duckdb_results(tmp_path_factory):
    with loaded("duckdb", sample_journeys(), tmp_path_factory.mktemp("duck")) as table:
        return attribution_run(table, ALL_MODELS)


@pytest.mark.parametrize("backend", BACKENDS[1:])
def test_attribution_is_the_same_on_every_backend(backend, tmp_path, duckdb_results):
    with loaded(backend, sample_journeys(), tmp_path) as table:
        result = attribution_run(table, ALL_MODELS)

    assert result.backend == backend
    assert (result.journeys, result.conversions) == (
        duckdb_results.journeys,
        duckdb_results.conversions,
    )
    for model in AttributionModel:
        expected = duckdb_results.by_model(model)
        found = result.by_model(model)
        assert found.conversions_by_key() == pytest.approx(expected.conversions_by_key(), abs=1e-9)
        assert found.value_by_key() == pytest.approx(expected.value_by_key(), abs=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_transition_summary_is_identical(backend, tmp_path):
    with loaded("duckdb", sample_journeys(), tmp_path) as table:
        rows = attribution_queries.normalized(table, ALL_MODELS)
        touches = attribution_queries.touches_in_window(rows, 20)
        expected = attribution_queries.transition_counts(touches, 2, careful=True).to_pyarrow()
    with loaded(backend, sample_journeys(), tmp_path) as table:
        rows = attribution_queries.normalized(table, ALL_MODELS)
        touches = attribution_queries.touches_in_window(rows, 20)
        found = attribution_queries.transition_counts(touches, 2, careful=True).to_pyarrow()

    keys = ["prev", "state", "is_last", "converted"]
    expected_rows, found_rows = sorted_rows(expected, keys), sorted_rows(found, keys)
    assert [{k: r[k] for k in [*keys, "transitions"]} for r in found_rows] == [
        {k: r[k] for k in [*keys, "transitions"]} for r in expected_rows
    ]
    assert [r["value"] for r in found_rows] == pytest.approx([r["value"] for r in expected_rows])


@pytest.mark.parametrize("backend", BACKENDS)
def test_purchase_summary_is_identical(backend, tmp_path):
    end_day = (START.date() + dt.timedelta(days=300) - dt.date(1970, 1, 1)).days
    summaries = {}
    for name in ("duckdb", backend):
        with loaded(name, sample_purchases(), tmp_path) as table:
            customers = clv_queries.customers(clv_queries.purchase_rows(table), end_day)
            summaries[name] = (
                clv_queries.repeat_summary(customers).to_pyarrow(),
                clv_queries.spend_summary(customers).to_pyarrow(),
            )

    (histories, spend), (expected_histories, expected_spend) = (
        summaries[backend],
        summaries["duckdb"],
    )
    keys = ["x", "t_x", "T"]
    assert sorted_rows(histories, keys) == sorted_rows(expected_histories, keys)
    assert histories.num_rows > 50
    keys.append("m")
    found_spend, expected_spend_rows = sorted_rows(spend, keys), sorted_rows(expected_spend, keys)
    assert [(r["x"], r["t_x"], r["T"]) for r in found_spend] == [
        (r["x"], r["t_x"], r["T"]) for r in expected_spend_rows
    ]
    assert [r["m"] for r in found_spend] == pytest.approx([r["m"] for r in expected_spend_rows])


@pytest.mark.parametrize("backend", BACKENDS[1:])
def test_lifetime_value_is_the_same_on_every_backend(backend, tmp_path):
    params = CLVInput(observed_until=START + dt.timedelta(days=300), time_unit_days=7)
    with loaded("duckdb", sample_purchases(), tmp_path) as table:
        expected = clv_run(table, params)
    with loaded(backend, sample_purchases(), tmp_path) as table:
        found = clv_run(table, params)

    assert found.purchase_model.r == pytest.approx(expected.purchase_model.r, rel=1e-6)
    assert found.expected_value == pytest.approx(expected.expected_value, rel=1e-6)
