"""Markov-chain attribution solved exactly from the absorbing chain.

The chain's transient states are a start state and the observed states (the last ``order``
keys of a path); its absorbing states are conversion and null. Transition probabilities are the
observed transition counts divided by each state's outgoing count. The probability of
conversion from the start is the solution of ``(I - Q) x = b`` (``Q`` transient-to-transient,
``b`` transient-to-conversion); the removal effect of a key is the share of that probability
lost when every state holding the key is removed (its incoming transitions then end in null).
The value version replaces ``b`` by the value carried into conversion per outgoing transition,
which gives the expected value per journey and the share of it lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from tandem.analytics.attribution.queries import STATE_SEPARATOR


@dataclass(frozen=True)
class AbsorbingChain:
    """The transient part of the chain: ``q`` (start is state 0) and the two absorption vectors.

    ``to_conversion[s]`` is the probability of converting on leaving ``s``;
    ``value_to_conversion[s]`` the value carried into conversion per transition out of ``s``.
    """

    states: tuple[str, ...]
    q: sp.csc_matrix
    to_conversion: np.ndarray
    value_to_conversion: np.ndarray
    journeys: int
    conversions: int
    value: float

    @classmethod
    def from_transitions(cls, summary: pa.Table) -> AbsorbingChain:
        """Build the chain from :func:`~tandem.analytics.attribution.queries.transition_counts`."""
        prev = summary.column("prev").to_pylist()
        state = summary.column("state").to_pylist()
        is_last = np.asarray(summary.column("is_last").to_numpy(zero_copy_only=False), bool)
        converted = np.asarray(summary.column("converted").to_numpy(zero_copy_only=False), bool)
        counts = np.asarray(summary.column("transitions").to_numpy(zero_copy_only=False), float)
        values = np.asarray(summary.column("value").to_numpy(zero_copy_only=False), float)

        states = tuple(sorted(set(state)))
        index = {name: position + 1 for position, name in enumerate(states)}
        size = len(states) + 1
        source = np.array([0 if name is None else index[name] for name in prev], dtype=np.int64)
        target = np.array([index[name] for name in state], dtype=np.int64)
        between = sp.coo_matrix((counts, (source, target)), shape=(size, size)).tocsr()
        ends_converted = is_last & converted
        converting = np.bincount(target[ends_converted], counts[ends_converted], size)
        value_in = np.bincount(target[ends_converted], values[ends_converted], size)
        ending = np.bincount(target[is_last], counts[is_last], size)
        outgoing = np.asarray(between.sum(axis=1)).ravel() + ending
        safe = np.where(outgoing > 0, outgoing, 1.0)
        q = sp.diags(1.0 / safe) @ between
        return cls(
            states=states,
            q=sp.csc_matrix(q),
            to_conversion=converting / safe,
            value_to_conversion=value_in / safe,
            journeys=int(round(counts[source == 0].sum())),
            conversions=int(round(converting.sum())),
            value=float(value_in.sum()),
        )

    def absorption(self, keep: np.ndarray | None = None) -> tuple[float, float]:
        """Probability of conversion and expected value from the start, over ``keep`` states.

        ``keep`` is a boolean mask over transient states (start included); states outside it
        are removed, so transitions into them end in null.
        """
        if keep is None:
            keep = np.ones(len(self.states) + 1, dtype=bool)
        q = self.q[keep][:, keep]
        system = sp.identity(q.shape[0], format="csc") - q
        rhs = np.column_stack([self.to_conversion[keep], self.value_to_conversion[keep]])
        solution = splu(sp.csc_matrix(system)).solve(rhs)
        start = int(np.searchsorted(np.flatnonzero(keep), 0))
        return float(solution[start, 0]), float(solution[start, 1])

    def removal_effects(self, keys: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Share of conversions and of value lost when each key's states are removed."""
        conversion, value = self.absorption()
        holds = [set(name.split(STATE_SEPARATOR)) for name in self.states]
        conversion_effects = np.zeros(len(keys))
        value_effects = np.zeros(len(keys))
        for position, key in enumerate(keys):
            keep = np.array([True] + [key not in members for members in holds])
            if keep.all():
                continue
            without_conversion, without_value = self.absorption(keep)
            if conversion > 0:
                conversion_effects[position] = 1.0 - without_conversion / conversion
            if value > 0:
                value_effects[position] = 1.0 - without_value / value
        # A removal never raises absorption; clip the last bits of rounding.
        return np.clip(conversion_effects, 0.0, 1.0), np.clip(value_effects, 0.0, 1.0)


def shares(effects: np.ndarray, total: float) -> np.ndarray:
    """Spread ``total`` over keys in proportion to ``effects``; all zero when nothing to spread."""
    weight = effects.sum()
    if total == 0 or weight <= 0:
        return np.zeros_like(effects)
    return effects / weight * total
