"""Shapley attribution: a three-channel game by hand, the closed form, and sampling."""

from __future__ import annotations

import random

import pytest

from tandem.analytics.attribution import (
    AttributionInput,
    AttributionModel,
    ShapleyGame,
    attribution_run,
)
from tests.analytics.helpers import journeys


def sets_of_journeys() -> list:
    """{A}: 10 journeys, 2 convert; {B}: 10, 1; {A,B}: 10, 4; {A,B,C}: 5, 3; {C}: 5, 0."""
    groups = [(["A"], 10, 2), (["B"], 10, 1), (["A", "B"], 10, 4), (["C", "A", "B"], 5, 3)]
    groups.append((["C"], 5, 0))
    paths = []
    for path, count, converting in groups:
        paths += [(path, i < converting, 10.0 if i < converting else 0.0) for i in range(count)]
    return paths


def shapley(game: ShapleyGame, **options) -> object:
    return attribution_run(
        journeys(sets_of_journeys()),
        AttributionInput(models=(AttributionModel.SHAPLEY,), shapley_game=game, **options),
    ).by_model(AttributionModel.SHAPLEY)


def test_subset_sum_game_by_hand():
    # Rates: A .2, B .1, AB .4, ABC .6, C 0. v(ABC) = 1.3; φ_A = .2 + .4/2 + .6/3 = .6,
    # φ_B = .1 + .2 + .2 = .5, φ_C = .6/3 = .2. Credits scale the 10 conversions by φ / 1.3.
    credits = shapley(ShapleyGame.SUBSET_SUM)

    assert credits.shapley_values == pytest.approx({"A": 0.6, "B": 0.5, "C": 0.2}, abs=1e-12)
    assert credits.conversions_by_key() == pytest.approx(
        {"A": 6 / 1.3, "B": 5 / 1.3, "C": 2 / 1.3}, abs=1e-12
    )
    assert credits.value_by_key() == pytest.approx(
        {"A": 60 / 1.3, "B": 50 / 1.3, "C": 20 / 1.3}, abs=1e-9
    )
    assert credits.is_exact


def test_coalition_rate_game_by_hand():
    # v(A)=.2, v(B)=.1, v(C)=0, v(AB)=7/30, v(AC)=2/15, v(BC)=1/15, v(ABC)=10/40.
    # φ_A = .2/3 + (7/30-.1)/6 + (2/15)/6 + (.25-1/15)/3 = 31/180; φ_B = 16/180; φ_C = -2/180.
    # Credits are φ × 40 journeys: C lowers the rate of the journeys it joins.
    credits = shapley(ShapleyGame.COALITION_RATE)

    assert credits.shapley_values == pytest.approx(
        {"A": 31 / 180, "B": 16 / 180, "C": -2 / 180}, abs=1e-12
    )
    assert credits.conversions_by_key() == pytest.approx(
        {"A": 31 * 40 / 180, "B": 16 * 40 / 180, "C": -2 * 40 / 180}, abs=1e-12
    )


def test_sampling_beyond_the_exact_limit_is_close_and_repeatable():
    exact = shapley(ShapleyGame.COALITION_RATE)

    sampled = shapley(
        ShapleyGame.COALITION_RATE, shapley_max_exact_channels=2, shapley_samples=6_000, seed=1
    )
    again = shapley(
        ShapleyGame.COALITION_RATE, shapley_max_exact_channels=2, shapley_samples=6_000, seed=1
    )

    assert not sampled.is_exact
    assert sampled.shapley_values == pytest.approx(exact.shapley_values, abs=0.004)
    assert sampled.shapley_values == again.shapley_values
    assert sum(sampled.conversions_by_key().values()) == pytest.approx(10)


def test_subset_sum_game_stays_exact_beyond_the_limit():
    # Seventeen channels: the closed form Σ_{T∋i} rate(T)/|T| is computed here from the paths.
    rng = random.Random(11)
    channels = [f"c{i:02d}" for i in range(17)]
    paths = []
    for _ in range(600):
        path = rng.sample(channels, rng.randint(1, 4))
        paths.append((path, rng.random() < 0.3, 1.0))
    by_set: dict[frozenset, list[int]] = {}
    for path, converted, _ in paths:
        seen = by_set.setdefault(frozenset(path), [0, 0])
        seen[0] += 1
        seen[1] += converted
    expected = dict.fromkeys(channels, 0.0)
    for members, (count, converted) in by_set.items():
        for channel in members:
            expected[channel] += converted / count / len(members)

    credits = attribution_run(
        journeys(paths), AttributionInput(models=(AttributionModel.SHAPLEY,))
    ).by_model(AttributionModel.SHAPLEY)

    assert credits.is_exact
    assert credits.shapley_values == pytest.approx(expected, abs=1e-12)


def test_exact_enumeration_agrees_with_the_closed_form():
    paths = sets_of_journeys()
    limit = AttributionInput(models=(AttributionModel.SHAPLEY,), shapley_max_exact_channels=2)

    enumerated = shapley(ShapleyGame.SUBSET_SUM)
    closed = attribution_run(journeys(paths), limit).by_model(AttributionModel.SHAPLEY)

    assert closed.shapley_values == pytest.approx(enumerated.shapley_values, abs=1e-12)
