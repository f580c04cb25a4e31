"""Markov transition counts in memory, from journeys packed one integer per touch.

On an in-process engine (DuckDB) moving rows costs a copy, and the window query that orders
every touch of every journey is the slow part of Markov attribution: engines run one ordered
window over the whole table on one thread. Here the engine only computes, per touch, one
integer that sorts the touches the way the careful query does::

    key = (((journey − j0) · T + (time − t0)) · 3 + kind_rank) · (K + 1) + code) · 2 + converted

(time in seconds, or in microseconds when some touch has a fraction of a second; ``code`` is
the key's position in the sorted keys, 1…K). One numpy sort puts every journey's touches in
order — time, then kind, then key, as ``queries.transition_counts`` breaks ties — and the
transitions are counted with ``np.bincount`` on ``prev · S + state`` codes. The result is the
same summary table the engine query returns, so the chain is built by the same code either
way. When the packed key would not fit in 63 bits (journey ids that are not integers or spread
too far), :func:`packing` says so and the caller runs the query on the engine instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tandem.analytics.attribution import queries
from tandem.analytics.attribution.queries import SECONDS_PER_DAY

KINDS = 3  # touch, lead_created, deal_created: the kind_rank digit
MICROSECONDS = 1_000_000
MAX_KEY = 2**63 - 1
# Above this many touches the packed column (8 bytes a touch, and its sorted copy) is not
# brought into memory; the engine counts instead.
MAX_PACKED_TOUCHES = 25_000_000
MAX_BINCOUNT_BINS = 1 << 22  # prev × state × end × outcome; beyond, np.unique groups instead


@dataclass(frozen=True)
class Packing:
    """How touches are packed: the smallest journey id and time, and each digit's size."""

    first_journey: int
    first_time: int
    times: int  # T: distinct time steps between the first and last touch
    per_second: int  # 1 (seconds) or 1,000,000 (microseconds)
    keys: int  # K


def packing(profile: pa.Table, keys: int) -> Packing | None:
    """The packing for journeys of this profile, or ``None`` when the engine should count.

    ``profile`` is :func:`~tandem.analytics.attribution.queries.key_profile` fetched
    ``with_bounds`` on journeys whose ids are integers.
    """
    touches = int(pc.sum(profile["rows"]).as_py() or 0)
    if not touches or touches > MAX_PACKED_TOUCHES:
        return None
    first_journey = int(pc.min(profile["first_journey"]).as_py())
    last_journey = int(pc.max(profile["last_journey"]).as_py())
    per_second = MICROSECONDS if pc.sum(profile["fractional"]).as_py() else 1
    scale = MICROSECONDS // per_second
    first_time = int(pc.min(profile["first_time"]).as_py()) // scale
    times = int(pc.max(profile["last_time"]).as_py()) // scale - first_time + 1
    journeys = last_journey - first_journey + 1
    if journeys * times * KINDS * (keys + 1) * 2 > MAX_KEY:
        return None
    return Packing(first_journey, first_time, times, per_second, keys)


def packed_touches(rows: ibis.Table, codes: dict[str, int], layout: Packing) -> ibis.Table:
    """One column ``packed``: each touch's integer key (see the module's docstring)."""
    scale = MICROSECONDS // layout.per_second
    time = queries.epoch_microseconds(rows)
    if scale != 1:
        time = time // scale
    code = rows.key.cases(*codes.items(), else_=0).cast(dt.int64)
    journey = rows.journey_id.cast(dt.int64) - layout.first_journey
    packed = (
        ((journey * layout.times + (time - layout.first_time)) * KINDS + rows.kind_rank)
        * (layout.keys + 1)
        + code
    ) * 2 + ibis.ifelse(rows.converted, 1, 0)
    return rows.select(packed=packed.cast(dt.int64))


def journey_values(rows: ibis.Table) -> ibis.Table:
    """Each journey's largest value, for journeys with a value above zero (the rest have 0)."""
    valued = rows.filter(rows.value > 0)
    return valued.group_by("journey_id").aggregate(value=valued.value.max())


def _remainder(numbers: np.ndarray, divisor: int) -> np.ndarray:
    # numpy divides an array by one number quickly, but takes ten times longer for ``%``.
    return numbers - (numbers // divisor) * divisor


def transition_summary(
    packed: np.ndarray,
    values: pa.Table,
    layout: Packing,
    order: int,
    lookback_days: float | None,
) -> pa.Table:
    """The summary of :func:`~tandem.analytics.attribution.queries.transition_counts`.

    ``packed`` holds every touch's key (any order); ``values`` is :func:`journey_values`.
    States are integers as with ``codes``; ``anomalies`` is always 0 (ties are broken here).
    """
    code, journey, converted_row = _unpack(packed, layout, lookback_days)
    touches = len(code)
    starts = np.flatnonzero(np.diff(journey, prepend=journey[0] - 1))
    lengths = np.diff(np.append(starts, touches))
    is_last = np.zeros(touches, dtype=bool)
    is_last[starts + lengths - 1] = True
    converted_journey = np.logical_or.reduceat(converted_row, starts)
    value_journey = _journey_value(journey[starts], converted_journey, values, layout)

    base = layout.keys + 1
    state = _chain_state(code, starts, lengths, base, order)
    # The state before a touch is the previous touch's state; 0 stands for the chain's start
    # (no real state is 0: every code is at least 1).
    prev = np.empty(touches, dtype=np.int64)
    prev[1:] = state[:-1]
    prev[starts] = 0

    converted = np.repeat(converted_journey, lengths)
    value = np.repeat(value_journey, lengths)
    return _transitions_table(prev, state, is_last, converted, value, base**order)


def _unpack(
    packed: np.ndarray, layout: Packing, lookback_days: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every kept touch's code, journey and converted flag, in journey-then-time order."""
    ordered = np.sort(packed)
    del packed
    base = layout.keys + 1
    per_time = KINDS * base * 2
    per_journey = per_time * layout.times
    converted_row = (ordered & 1).astype(bool)
    code = _remainder(ordered >> 1, base)
    journey = ordered // per_journey
    if lookback_days is not None:
        time = _remainder(ordered // per_time, layout.times)
        ends = np.flatnonzero(np.diff(journey, append=journey[-1] + 1))
        last_time = np.repeat(time[ends], np.diff(ends, prepend=-1))
        window = lookback_days * SECONDS_PER_DAY * layout.per_second
        # A journey's outcome comes from all its rows, the window only drops touches.
        starts = np.flatnonzero(np.diff(journey, prepend=journey[0] - 1))
        converted_journey = np.logical_or.reduceat(converted_row, starts)
        converted_row = np.repeat(converted_journey, np.diff(np.append(starts, len(journey))))
        inside = time >= last_time - window
        code, journey, converted_row = code[inside], journey[inside], converted_row[inside]
    return code, journey, converted_row


def _journey_value(
    journeys: np.ndarray, converted: np.ndarray, values: pa.Table, layout: Packing
) -> np.ndarray:
    """Each journey's conversion value (0 for a journey that did not convert)."""
    value_journey = np.zeros(len(journeys))
    if values.num_rows:
        ids = journeys + layout.first_journey
        valued = np.asarray(values["journey_id"].to_numpy(zero_copy_only=False), dtype=np.int64)
        found = np.searchsorted(ids, valued)
        found_ok = (found < len(ids)) & (ids[np.minimum(found, len(ids) - 1)] == valued)
        value_journey[found[found_ok]] = np.asarray(
            values["value"].to_numpy(zero_copy_only=False), dtype=float
        )[found_ok]
    return np.where(converted, value_journey, 0.0)


def _chain_state(
    code: np.ndarray, starts: np.ndarray, lengths: np.ndarray, base: int, order: int
) -> np.ndarray:
    """Each touch's state: its code, and for a higher-order chain the codes before it."""
    if order == 1:
        return code
    touches = len(code)
    position = np.arange(touches) - np.repeat(starts, lengths)
    state = code.copy()
    for place in range(1, order):
        earlier = np.zeros(touches, dtype=np.int64)
        earlier[place:] = code[:-place]
        state += np.where(position >= place, earlier, 0) * base**place
    return state


def _transitions_table(
    prev: np.ndarray,
    state: np.ndarray,
    is_last: np.ndarray,
    converted: np.ndarray,
    value: np.ndarray,
    states: int,
) -> pa.Table:
    """Counts and value sums per (previous state, state, last touch, converted)."""
    group = ((prev * states + state) * 2 + is_last) * 2 + converted
    bins = states * states * 4
    if bins <= MAX_BINCOUNT_BINS:
        counts = np.bincount(group, minlength=bins)
        sums = np.bincount(group, weights=value, minlength=bins)
        present = np.flatnonzero(counts)
        counts, sums, group = counts[present], sums[present], present
    else:
        group, inverse = np.unique(group, return_inverse=True)
        counts = np.bincount(inverse)
        sums = np.bincount(inverse, weights=value)
    converted_group = (group & 1).astype(bool)
    last_group = ((group >> 1) & 1).astype(bool)
    pair = group >> 2
    prev_group, state_group = pair // states, _remainder(pair, states)
    return pa.table(
        {
            "prev": pa.array(prev_group, pa.int64(), mask=prev_group == 0),
            "state": pa.array(state_group, pa.int64()),
            "is_last": pa.array(last_group),
            "converted": pa.array(converted_group),
            "transitions": pa.array(counts, pa.int64()),
            "value": pa.array(sums, pa.float64()),
            "anomalies": pa.array(np.zeros(len(counts), dtype=np.int64)),
        }
    )
