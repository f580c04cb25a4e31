"""Markov attribution: a hand-solved chain, and an independent dense solution on random data."""

from __future__ import annotations

import random
from collections import Counter

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tests.analytics.helpers import journeys

MARKOV = AttributionInput(models=(AttributionModel.MARKOV,))

# start → email/search/webinar (1/3 each); email → search, conversion, null (1/3 each);
# search → webinar, email (1/2 each); webinar → email, conversion (1/2 each).
PATHS = [
    (["email", "search", "webinar", "email"], True, 100.0),
    (["search", "email"], False, 0.0),
    (["webinar"], True, 50.0),
]


def test_removal_effects_of_a_hand_solved_chain():
    # P(conversion) = 2/3. Without email: 1/4 (effect 5/8); without search: 1/3 (effect 1/2);
    # without webinar: 1/5 (effect 7/10). Expected value 50; without email 12.5, without
    # search 25, without webinar 20 → value effects 3/4, 1/2, 3/5.
    result = attribution_run(journeys(PATHS), MARKOV)

    markov = result.by_model(AttributionModel.MARKOV)
    assert markov.removal_effects == pytest.approx(
        {"email": 5 / 8, "search": 1 / 2, "webinar": 7 / 10}, abs=1e-12
    )
    effects = 5 / 8 + 1 / 2 + 7 / 10
    assert markov.conversions_by_key() == pytest.approx(
        {"email": 2 * (5 / 8) / effects, "search": 2 * 0.5 / effects, "webinar": 2 * 0.7 / effects}
    )
    value_effects = 3 / 4 + 1 / 2 + 3 / 5
    assert markov.value_by_key() == pytest.approx(
        {
            "email": 150 * 0.75 / value_effects,
            "search": 150 * 0.5 / value_effects,
            "webinar": 150 * 0.6 / value_effects,
        }
    )


def random_paths(seed: int, count: int, channels: str = "abcde") -> list:
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        path = [rng.choice(channels) for _ in range(rng.randint(1, 6))]
        converted = rng.random() < 0.2 + 0.1 * path.count("a")
        paths.append((path, converted, round(rng.uniform(10, 500), 2) if converted else 0.0))
    return paths


def dense_removal_effects(paths: list, order: int) -> dict[str, float]:
    """Removal effects by the fundamental matrix, from transition counts made here."""
    counts: Counter = Counter()
    for path, converted, _value in paths:
        states = [tuple(path[max(0, i - order + 1) : i + 1]) for i in range(len(path))]
        steps = ["start", *states, "conversion" if converted else "null"]
        counts.update(zip(steps, steps[1:], strict=False))
    transient = ["start", *sorted({s for s, _ in counts if s != "start"})]
    absorbing = ["conversion", "null"]
    index = {s: i for i, s in enumerate(transient + absorbing)}

    def conversion_probability(removed: str | None) -> float:
        size = len(index)
        p = np.zeros((size, size))
        for (a, b), n in counts.items():
            # A removed state sends whoever enters it to null.
            target = "null" if removed and b not in absorbing and removed in b else b
            p[index[a], index[target]] += n
        p[: len(transient)] /= p[: len(transient)].sum(axis=1, keepdims=True)
        q = p[: len(transient), : len(transient)]
        r = p[: len(transient), len(transient) :]
        fundamental = np.linalg.inv(np.eye(len(transient)) - q)
        return float((fundamental @ r)[0, 0])

    base = conversion_probability(None)
    channels = sorted({c for path, _, _ in paths for c in path})
    return {c: 1 - conversion_probability(c) / base for c in channels}


@pytest.mark.parametrize("order", [1, 2, 3])
def test_removal_effects_match_the_fundamental_matrix(order):
    paths = random_paths(seed=order, count=400)

    result = attribution_run(
        journeys(paths), AttributionInput(models=(AttributionModel.MARKOV,), markov_order=order)
    )

    markov = result.by_model(AttributionModel.MARKOV)
    assert markov.removal_effects == pytest.approx(dense_removal_effects(paths, order), abs=1e-10)
    assert sum(markov.conversions_by_key().values()) == pytest.approx(result.conversions)
    assert sum(markov.value_by_key().values()) == pytest.approx(result.value)


def test_chain_reproduces_the_observed_conversion_rate():
    from tandem.analytics.attribution import queries
    from tandem.analytics.attribution.markov import AbsorbingChain

    paths = random_paths(seed=7, count=300)
    rows = queries.normalized(ibis.memtable(journeys(paths)), AttributionInput())

    chain = AbsorbingChain.from_transitions(
        queries.transition_counts(rows, 1, careful=True).to_pyarrow()
    )

    conversion, value = chain.absorption()
    converted = [p for p in paths if p[1]]
    assert conversion == pytest.approx(len(converted) / len(paths), abs=1e-12)
    assert value == pytest.approx(sum(p[2] for p in converted) / len(paths), abs=1e-9)


def test_outcome_on_one_row_only_gives_the_same_credit():
    paths = random_paths(seed=3, count=200)
    everywhere = journeys(paths)
    # The same journeys, but only each journey's first row says it converted.
    ids = everywhere["journey_id"].to_numpy()
    first_rows = pa.array(np.r_[True, ids[1:] != ids[:-1]])
    once = everywhere.set_column(
        everywhere.schema.get_field_index("converted"),
        "converted",
        pc.and_(everywhere["converted"], first_rows),
    )

    expected = attribution_run(everywhere, MARKOV).by_model(AttributionModel.MARKOV)
    found = attribution_run(once, MARKOV).by_model(AttributionModel.MARKOV)

    assert found.conversions_by_key() == pytest.approx(expected.conversions_by_key(), abs=1e-12)
    assert found.value_by_key() == pytest.approx(expected.value_by_key(), abs=1e-9)


def test_touches_at_one_instant_do_not_depend_on_row_order():
    data = journeys(random_paths(seed=5, count=200), hours_apart=0)
    shuffled = data.take(np.random.default_rng(0).permutation(data.num_rows))

    expected = attribution_run(data, MARKOV).by_model(AttributionModel.MARKOV)
    found = attribution_run(shuffled, MARKOV).by_model(AttributionModel.MARKOV)

    assert found.removal_effects == pytest.approx(expected.removal_effects, abs=1e-12)


@pytest.mark.parametrize("order", [1, 3])
def test_integer_and_text_states_give_the_same_credit(order, monkeypatch):
    from tandem.analytics.attribution import queries

    rng = random.Random(order)
    paths = [
        ([rng.choice("abcdefg") for _ in range(rng.randint(1, 6))], rng.random() < 0.4, 10.0)
        for _ in range(300)
    ]
    params = AttributionInput(models=(AttributionModel.MARKOV,), markov_order=order)
    coded = attribution_run(journeys(paths), params).by_model(AttributionModel.MARKOV)

    monkeypatch.setattr(queries, "MAX_CODED_KEYS", 0)  # as with more than 64 keys
    text = attribution_run(journeys(paths), params).by_model(AttributionModel.MARKOV)

    assert coded.removal_effects == pytest.approx(text.removal_effects, abs=1e-12)
    assert coded.conversions_by_key() == pytest.approx(text.conversions_by_key(), abs=1e-9)
