"""Markov transitions counted in numpy from packed touches equal the engine's window query."""

from __future__ import annotations

import ibis
import numpy as np
import pyarrow as pa
import pytest

from tandem.analytics.attribution import (
    AttributionInput,
    AttributionModel,
    attribution_run,
    packed,
    queries,
)
from tandem.analytics.attribution import analysis as attribution_analysis

KINDS = np.array(["touch", "lead_created", "deal_created"])


def messy_journeys(seed: int, *, fractional: bool) -> pa.Table:
    """Shuffled touches with ties in time, several kinds, one outcome row per journey."""
    rng = np.random.default_rng(seed)
    count = 400
    lengths = rng.integers(1, 8, count)
    total = int(lengths.sum())
    journey = np.repeat(rng.choice(1_000, count, replace=False) + 500, lengths)
    # Steps of 0 to 1 day, many of them 0: touches at one instant must be ordered by kind
    # and key, as the engine's careful query orders them.
    step = rng.choice([0, 0, 60, 3_600, 86_400], total)
    seconds = np.cumsum(step).astype(float)
    if fractional:
        seconds += rng.choice([0.0, 0.25, 0.5], total)
    converted = rng.random(count) < 0.3
    value = np.where(converted, rng.integers(1, 900, count).astype(float), 0.0)
    last_row = np.cumsum(lengths) - 1
    outcome_row = np.zeros(total, dtype=bool)
    outcome_row[last_row] = True  # the outcome is written on one row of each journey only
    started = np.datetime64("2025-01-06T09:00:00", "us")
    order = rng.permutation(total)
    return pa.table(
        {
            "journey_id": journey[order],
            "touched_at": (started + (seconds * 1e6).astype("timedelta64[us]"))[order],
            "channel": np.array(list("abcde"))[rng.integers(0, 5, total)][order],
            "touch_kind": KINDS[rng.choice(3, total, p=[0.8, 0.1, 0.1])][order],
            "converted": (np.repeat(converted, lengths) & outcome_row)[order],
            "value": np.repeat(value, lengths)[order],
        }
    )


def rows_of(summary: pa.Table) -> list[tuple]:
    keys = ["prev", "state", "is_last", "converted", "transitions"]
    # The chain's start (a null prev) sorts first, as -1.
    return sorted(
        (tuple(-1 if row[k] is None else row[k] for k in keys), row["value"])
        for row in summary.to_pylist()
    )


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("lookback_days", [None, 2.0], ids=["all-touches", "lookback-2-days"])
@pytest.mark.parametrize("fractional", [False, True], ids=["whole-seconds", "sub-second"])
def test_packed_counts_equal_the_engine_query(order, lookback_days, fractional):
    data = messy_journeys(order * 10 + int(fractional), fractional=fractional)
    params = AttributionInput(
        models=(AttributionModel.MARKOV,), markov_order=order, lookback_days=lookback_days
    )
    table = ibis.duckdb.connect().create_table("journeys", data)
    rows = queries.normalized(table, params)
    profile = queries.key_profile(rows, with_bounds=True).to_pyarrow()
    keys = tuple(sorted(profile["key"].to_pylist()))
    codes = {key: position + 1 for position, key in enumerate(keys)}
    touches = queries.touches_in_window(rows, lookback_days, with_times=False)
    expected = queries.transition_counts(touches, order, careful=True, codes=codes).to_pyarrow()

    layout = packed.packing(profile, len(keys))
    assert layout is not None
    assert layout.per_second == (1_000_000 if fractional else 1)
    found = packed.transition_summary(
        np.asarray(packed.packed_touches(rows, codes, layout).to_pyarrow()["packed"]),
        packed.journey_values(rows).to_pyarrow(),
        layout,
        order,
        lookback_days,
    )

    expected_rows, found_rows = rows_of(expected), rows_of(found)
    assert [key for key, _ in found_rows] == [key for key, _ in expected_rows]
    assert [value for _, value in found_rows] == pytest.approx(
        [value for _, value in expected_rows], abs=1e-9
    )
    assert sum(row["transitions"] for row in found.to_pylist() if row["prev"] is None) == 400


@pytest.mark.parametrize("order", [1, 2])
def test_packed_and_engine_runs_give_the_same_credit(order, monkeypatch):
    data = messy_journeys(7, fractional=False)
    params = AttributionInput(models=(AttributionModel.MARKOV,), markov_order=order)
    fast = attribution_run(data, params).by_model(AttributionModel.MARKOV)

    monkeypatch.setattr(attribution_analysis, "IN_PROCESS_BACKENDS", frozenset())
    engine = attribution_run(data, params).by_model(AttributionModel.MARKOV)

    assert fast.removal_effects == pytest.approx(engine.removal_effects, abs=1e-12)
    assert fast.value_by_key() == pytest.approx(engine.value_by_key(), abs=1e-9)


def test_journey_ids_too_spread_to_pack_fall_back_to_the_engine():
    data = messy_journeys(3, fractional=True)
    ids = data["journey_id"].to_numpy() * 10**12  # ids × µs × digits pass 63 bits
    spread = data.set_column(0, "journey_id", pa.array(ids))
    table = ibis.duckdb.connect().create_table("journeys", spread)
    rows = queries.normalized(table, AttributionInput())
    profile = queries.key_profile(rows, with_bounds=True).to_pyarrow()

    assert packed.packing(profile, 5) is None
    result = attribution_run(spread, AttributionInput(models=(AttributionModel.MARKOV,)))
    same = attribution_run(data, AttributionInput(models=(AttributionModel.MARKOV,)))
    assert result.by_model(AttributionModel.MARKOV).removal_effects == pytest.approx(
        same.by_model(AttributionModel.MARKOV).removal_effects, abs=1e-12
    )
