"""Shapley values over channel sets.

Each journey is reduced to the set of keys it touched. For every observed set ``T`` the summary
holds its journeys, conversions and value. Two games say what a coalition ``S`` is worth:

* ``subset_sum`` (Zhao, Mahboobi & Bagheri 2018): ``v(S) = Σ_{T ⊆ S} rate(T)``, with
  ``rate(T)`` the conversion rate (or value per journey) of the journeys whose set is ``T``;
* ``coalition_rate``: ``v(S)`` is the conversion rate of the journeys that touched only keys in
  ``S``, ``Σ_{T ⊆ S} conversions(T) / Σ_{T ⊆ S} journeys(T)``.

Up to ``max_exact`` keys the Shapley values are exact: the worth of all ``2^n`` coalitions comes
from one subset-sum (zeta) transform, then ``φ_i = Σ_{S ∌ i} |S|!(n-|S|-1)!/n! · (v(S∪{i}) -
v(S))``. Beyond it, ``subset_sum`` stays exact through its closed form ``φ_i = Σ_{T ∋ i}
rate(T)/|T|`` (the game is a sum of unanimity games), and ``coalition_rate`` is estimated from
random key orders drawn with a fixed seed. Values are scaled so the credits add up to the
conversions (and to the value).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

from tandem.analytics.attribution.inputs import ShapleyGame

SAMPLE_BATCH = 256


@dataclass(frozen=True)
class ChannelSets:
    """Observed channel sets as bit masks over ``n`` keys, with what each set achieved."""

    n: int
    masks: np.ndarray
    journeys: np.ndarray
    conversions: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class ShapleyValues:
    """Raw Shapley values of the conversion game and of the value game, and if exact."""

    conversions: np.ndarray
    value: np.ndarray
    is_exact: bool


def shapley_values(
    sets: ChannelSets, game: ShapleyGame, *, max_exact: int, samples: int, seed: int
) -> ShapleyValues:
    """Return the Shapley values of both games (conversions and value) for ``sets``."""
    if sets.n == 0:
        return ShapleyValues(np.zeros(0), np.zeros(0), True)
    if sets.n <= max_exact:
        return ShapleyValues(_exact(sets, game, "conversions"), _exact(sets, game, "value"), True)
    if game == ShapleyGame.SUBSET_SUM:
        return ShapleyValues(_unanimity(sets, sets.conversions), _unanimity(sets, sets.value), True)
    rng = np.random.default_rng(seed)
    conversions, value = _sampled_coalition_rate(sets, samples, rng)
    return ShapleyValues(conversions, value, False)


def _worth(sets: ChannelSets, game: ShapleyGame, outcome: str) -> np.ndarray:
    """The worth of every one of the ``2^n`` coalitions, by subset-sum transform."""
    size = 1 << sets.n
    achieved = sets.conversions if outcome == "conversions" else sets.value
    if game == ShapleyGame.SUBSET_SUM:
        rate = np.zeros(size)
        np.add.at(rate, sets.masks, achieved / sets.journeys)
        return _subset_sums(rate, sets.n)
    totals = np.zeros(size)
    np.add.at(totals, sets.masks, achieved)
    journeys = np.zeros(size)
    np.add.at(journeys, sets.masks, sets.journeys)
    totals, journeys = _subset_sums(totals, sets.n), _subset_sums(journeys, sets.n)
    return np.divide(totals, journeys, out=np.zeros(size), where=journeys > 0)


def _subset_sums(values: np.ndarray, n: int) -> np.ndarray:
    """``out[S] = Σ_{T ⊆ S} values[T]`` over bit masks (the zeta transform), in ``n·2^n``."""
    out = values.copy()
    for bit in range(n):
        halves = out.reshape(-1, 2, 1 << bit)
        halves[:, 1, :] += halves[:, 0, :]
    return out


def _exact(sets: ChannelSets, game: ShapleyGame, outcome: str) -> np.ndarray:
    n = sets.n
    worth = _worth(sets, game, outcome)
    masks = np.arange(1 << n)
    sizes = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        sizes += (masks >> bit) & 1
    weights = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    values = np.zeros(n)
    for bit in range(n):
        halves = worth.reshape(-1, 2, 1 << bit)
        without = sizes.reshape(-1, 2, 1 << bit)[:, 0, :]
        values[bit] = float((weights[without] * (halves[:, 1, :] - halves[:, 0, :])).sum())
    return values


def members(sets: ChannelSets) -> np.ndarray:
    """Boolean matrix: row = observed set, column = key, True when the key is in the set."""
    bits = np.arange(sets.n, dtype=np.int64)
    return ((sets.masks[:, None] >> bits[None, :]) & 1).astype(bool)


def _unanimity(sets: ChannelSets, achieved: np.ndarray) -> np.ndarray:
    """Closed form of the subset-sum game: each set's rate split evenly among its keys."""
    inside = members(sets)
    rate = achieved / sets.journeys
    return (inside * (rate / inside.sum(axis=1))[:, None]).sum(axis=0)


def _sampled_coalition_rate(
    sets: ChannelSets, samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Mean marginal contributions over random key orders (coalition-rate game).

    In an order, an observed set joins the coalition at the position of its last key; the
    coalition's worth after each position comes from cumulative sums of what joined.
    """
    n = sets.n
    inside = members(sets)
    totals = np.zeros((2, n))
    drawn = 0
    while drawn < samples:
        batch = min(SAMPLE_BATCH, samples - drawn)
        orders = np.argsort(rng.random((batch, n)), axis=1)
        ranks = np.argsort(orders, axis=1)
        joins_at = np.zeros((batch, len(sets.masks)), dtype=np.int64)
        for key in range(n):
            joins_at = np.maximum(joins_at, np.where(inside[:, key], ranks[:, key, None], 0))
        slot = (joins_at + (np.arange(batch) * n)[:, None]).ravel()
        journeys = np.bincount(slot, np.tile(sets.journeys, batch), batch * n).reshape(batch, n)
        cumulative_journeys = journeys.cumsum(axis=1)
        for row, achieved in enumerate((sets.conversions, sets.value)):
            gained = np.bincount(slot, np.tile(achieved, batch), batch * n).reshape(batch, n)
            worth = np.divide(
                gained.cumsum(axis=1),
                cumulative_journeys,
                out=np.zeros((batch, n)),
                where=cumulative_journeys > 0,
            )
            marginal = np.diff(worth, axis=1, prepend=0.0)
            np.add.at(totals[row], orders.ravel(), marginal.ravel())
        drawn += batch
    return totals[0] / samples, totals[1] / samples
