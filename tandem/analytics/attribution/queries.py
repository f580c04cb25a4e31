"""The relational half of attribution: Ibis queries that run where the journeys live.

Every query here reads the journeys table described in :mod:`tandem.analytics.attribution`
and returns a summary whose size depends on the number of channels, not of journeys: the
transition counts of the Markov chain, the credit per key of the rule-based models, and the
conversions per channel set for Shapley values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from tandem.analytics.attribution.inputs import AttributionInput
from tandem.analytics.attribution.rules import RuleModel, real
from tandem.analytics.errors import InputError

TOUCH_KINDS = ("touch", "lead_created", "deal_created")
NO_CAMPAIGN = "(no campaign)"
# Joins the keys of a higher-order Markov state; a key holding it is refused.
STATE_SEPARATOR = "\x1f"
SECONDS_PER_DAY = 86_400.0
REQUIRED_COLUMNS = ("journey_id", "touched_at", "channel", "converted")


@ibis.udf.scalar.builtin(name="epoch_us")
def duckdb_epoch_us(moment: dt.timestamp) -> dt.int64:  # type: ignore[empty-body]
    """DuckDB's integer microseconds since 1970: exact, and cheaper than rounding ``ts``."""


def epoch_microseconds(rows: ibis.Table) -> ir.IntegerColumn:
    """Each touch's time in whole microseconds, on an in-process (DuckDB) engine only."""
    # ``touched_at`` cast as ``ts`` is, so both name the same instant.
    return duckdb_epoch_us(rows.touched_at.cast(dt.timestamp))


def normalized(table: ibis.Table, params: AttributionInput) -> ibis.Table:
    """Return the journeys with the columns every query uses, in one shape for all backends.

    Columns: ``journey_id``, ``touched_at`` (timestamp), ``ts`` (epoch seconds), ``key`` (the
    grouping key), ``kind`` and ``kind_rank`` (touch 0, lead_created 1, deal_created 2, the
    tie-break of touches at the same instant), ``converted`` and ``value`` (no nulls).
    """
    columns = set(table.columns)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if params.group_by == "campaign" and "campaign" not in columns:
        missing.append("campaign")
    if missing:
        raise InputError(f"the journeys table lacks the column(s): {', '.join(missing)}")

    touched_at = table.touched_at
    if not touched_at.type().is_timestamp():
        touched_at = touched_at.cast(dt.timestamp)
    if params.group_by == "campaign":
        key = table.campaign.cast(dt.string).fill_null(NO_CAMPAIGN)
    else:
        key = table.channel.cast(dt.string)
    kind = table.touch_kind.cast(dt.string) if "touch_kind" in columns else ibis.literal("touch")
    kind = kind.fill_null("touch")
    converted = table.converted
    if not converted.type().is_boolean():
        converted = converted.cast(dt.boolean)
    value = table.value.cast(dt.float64) if "value" in columns else real(0.0)
    return table.select(
        journey_id=table.journey_id,
        touched_at=touched_at,
        ts=touched_at.epoch_seconds().cast(dt.float64),
        key=key,
        kind=kind,
        kind_rank=kind.cases(("lead_created", 1), ("deal_created", 2), else_=0),
        converted=converted.fill_null(False),
        value=value.fill_null(real(0.0)),
    )


PROBLEM_COLUMNS = (
    "missing_journey_id",
    "missing_touched_at",
    "unknown_touch_kind",
    "negative_value",
)


def key_profile(rows: ibis.Table, *, with_bounds: bool = False) -> ibis.Table:
    """Per value of the grouping key (null included): rows, and rows that break the format.

    One scan gives both the list of keys and the input check; ``with_bounds`` adds the range
    of journey ids and of times that :mod:`~tandem.analytics.attribution.packed` needs.
    """
    bounds: dict[str, ir.Value] = {}
    if with_bounds:
        micros = epoch_microseconds(rows)
        bounds = {
            "first_journey": rows.journey_id.min(),
            "last_journey": rows.journey_id.max(),
            "first_time": micros.min(),
            "last_time": micros.max(),
            "fractional": ibis.ifelse(micros % 1_000_000 != 0, 1, 0).sum(),
        }
    return rows.group_by("key").aggregate(
        rows=_.count(),
        missing_journey_id=ibis.ifelse(rows.journey_id.isnull(), 1, 0).sum(),
        missing_touched_at=ibis.ifelse(rows.touched_at.isnull(), 1, 0).sum(),
        unknown_touch_kind=ibis.ifelse(rows.kind.isin(TOUCH_KINDS), 0, 1).sum(),
        negative_value=ibis.ifelse(rows.value < 0, 1, 0).sum(),
        **bounds,
    )


def touches_in_window(
    rows: ibis.Table, lookback_days: float | None, *, with_times: bool = True
) -> ibis.Table:
    """Each touch with its journey's outcome, keeping only touches inside the lookback window.

    A journey's outcome is ``converted`` = any row converted, ``value`` = the largest value on
    its rows (counted only when converted); the window ends at the journey's last row, whose
    time is ``last_ts`` (left out, with ``ts``, when not ``with_times`` and no lookback).
    """
    with_times = with_times or lookback_days is not None
    # The outcomes are read through a projection of their own, so the engine scans the table
    # twice instead of materializing the shared rows (DuckDB would, for a reused subquery).
    outcome_rows = rows.select("journey_id", "converted", "value", *(["ts"] if with_times else []))
    journeys = outcome_rows.group_by("journey_id").aggregate(
        journey_converted=outcome_rows.converted.any(),
        journey_value=outcome_rows.value.max(),
        **({"last_ts": outcome_rows.ts.max()} if with_times else {}),
    )
    touched = rows.select(
        "journey_id", "touched_at", "key", "kind", "kind_rank", *(["ts"] if with_times else [])
    )
    touches = touched.join(journeys, "journey_id")
    if lookback_days is not None:
        touches = touches.filter(touches.ts >= touches.last_ts - lookback_days * SECONDS_PER_DAY)
    return touches.select(
        "journey_id",
        "touched_at",
        "key",
        "kind",
        "kind_rank",
        *(["ts", "last_ts"] if with_times else []),
        converted=touches.journey_converted,
        value=ibis.ifelse(touches.journey_converted, touches.journey_value, real(0.0)),
    )


def journey_totals(touches: ibis.Table) -> ibis.Table:
    """One row: the number of journeys, of converted journeys, and their value."""
    outcomes = touches.group_by("journey_id").aggregate(
        converted=touches.converted.any(), value=touches.value.max()
    )
    return outcomes.aggregate(
        journeys=_.count(),
        conversions=ibis.ifelse(outcomes.converted, 1, 0).sum(),
        value=outcomes.value.sum(),
    )


def _in_order(touches: ibis.Table) -> list[ir.Value]:
    """The order of touches in a journey: time, then kind, then key (ties broken fully)."""
    return [touches.touched_at, touches.kind_rank, touches.key]


MAX_CODED_KEYS = 64  # up to this many keys, Markov states are integers, not strings


def state_base(keys: int) -> int:
    """The base of integer Markov states: one digit per key, plus 0 for "no key"."""
    return keys + 1


def transition_counts(
    touches: ibis.Table,
    order: int,
    *,
    careful: bool,
    codes: dict[str, int] | None = None,
) -> ibis.Table:
    """Counts of Markov transitions ``prev → state``, with the journey's end and outcome.

    A state is the last ``order`` keys of the path (fewer at the start of a journey); ``prev``
    is null for the first touch (the chain's start). With ``codes`` (key → 1…K) a state is
    the integer ``Σ code(key at t−j) · (K+1)^j``, which engines group far faster than text;
    without, it is the keys joined by :data:`STATE_SEPARATOR`. Rows with ``is_last`` also
    stand for the transition from ``state`` to conversion (when ``converted``) or to the null
    state. One ordered window over the whole table (journey, then time) serves every
    journey, which engines run faster than a window per journey.

    ``careful`` runs on :func:`touches_in_window` and breaks ties of time by kind and key.
    The quick way runs on :func:`normalized` rows as they are: it orders by time alone and
    reads the outcome from each journey's last row, and counts in ``anomalies`` the rows
    that make this wrong (a touch at the same instant as the one before it, or an outcome
    that differs from the row before it); a caller that finds any runs the careful way.
    """
    in_order = _in_order(touches) if careful else [touches.touched_at]
    window = ibis.window(order_by=[touches.journey_id, *in_order])
    same_journey = [
        (touches.journey_id.lag(step).over(window) == touches.journey_id).fill_null(False)
        for step in range(1, order + 1)
    ]
    prev, state = _chain_states(touches, window, same_journey, order, codes)
    is_last = (touches.journey_id.lead().over(window) != touches.journey_id).fill_null(True)
    if careful:
        is_anomaly: ir.BooleanValue = ibis.literal(False)
    else:
        differs = (
            (touches.touched_at.lag().over(window) == touches.touched_at)
            | (touches.converted.lag().over(window) != touches.converted)
            | (touches.value.lag().over(window) != touches.value)
        )
        is_anomaly = (same_journey[0] & differs).fill_null(False)
    steps = touches.select(
        prev=prev,
        state=state,
        is_last=is_last,
        converted="converted",
        value=ibis.ifelse(touches.converted, touches.value, real(0.0)),
        is_anomaly=is_anomaly,
    )
    return steps.group_by(["prev", "state", "is_last", "converted"]).aggregate(
        transitions=_.count(),
        value=steps.value.sum(),
        anomalies=ibis.ifelse(steps.is_anomaly, 1, 0).sum(),
    )


def _chain_states(
    touches: ibis.Table,
    window: Any,
    same_journey: list[ir.BooleanValue],
    order: int,
    codes: dict[str, int] | None,
) -> tuple[ir.Value, ir.Value]:
    """The (previous state, state) of each touch: integers with ``codes``, else joined keys."""
    prev: ir.Value
    state: ir.Value
    if codes is not None:
        base = state_base(len(codes))
        code = touches.key.cases(*codes.items(), else_=0).cast(dt.int64)
        earlier_codes = [code.lag(step).over(window) for step in range(1, order + 1)]

        def digits(steps: Sequence[int], last: ir.IntegerValue) -> ir.IntegerValue:
            number = last
            for place, step in enumerate(steps, start=1):
                digit = ibis.ifelse(same_journey[step - 1], earlier_codes[step - 1], 0)
                number = number + digit * (base**place)
            return number

        state = digits(range(1, order), code)
        prev = ibis.ifelse(same_journey[0], digits(range(2, order + 1), earlier_codes[0]), None)
    else:
        earlier_keys = [touches.key.lag(step).over(window) for step in range(1, order + 1)]

        def joined(steps: Sequence[int], last: ir.StringValue) -> ir.StringValue:
            text = last
            for step in steps:
                text = ibis.ifelse(
                    same_journey[step - 1], earlier_keys[step - 1] + STATE_SEPARATOR, ""
                ).concat(text)
            return text

        state = joined(range(1, order), touches.key)
        prev = ibis.ifelse(same_journey[0], joined(range(2, order + 1), earlier_keys[0]), None)
    return prev, state


def decode_states(summary: pa.Table, keys: Sequence[str]) -> pa.Table:
    """Turn the integer states of :func:`transition_counts` back into joined key names."""
    base = state_base(len(keys))
    names: dict[int, str] = {}

    def name(number: int) -> str:
        if number not in names:
            parts = []
            rest = number
            while rest:
                rest, digit = divmod(rest, base)
                parts.append(keys[digit - 1])
            names[number] = STATE_SEPARATOR.join(reversed(parts))
        return names[number]

    prev = [None if p is None else name(p) for p in summary["prev"].to_pylist()]
    state = [name(s) for s in summary["state"].to_pylist()]
    return summary.set_column(
        summary.column_names.index("prev"), "prev", pa.array(prev, pa.string())
    ).set_column(summary.column_names.index("state"), "state", pa.array(state, pa.string()))


def rule_credits(
    touches: ibis.Table, rules: Sequence[RuleModel], half_life_days: float
) -> ibis.Table:
    """Credit per key for each rule-based model: one pass, one column pair per model.

    For rule ``m`` the result has ``<m>_conversions`` (sum of each converted journey's weights
    on the key) and ``<m>_value`` (the same weights times the journey's value).
    """
    converted = touches.filter(touches.converted)
    journey = ibis.window(group_by=converted.journey_id)
    in_order = ibis.window(group_by=converted.journey_id, order_by=_in_order(converted))
    decay_rate = math.log(2.0) / (half_life_days * SECONDS_PER_DAY)
    ranked = converted.mutate(
        position=ibis.row_number().over(in_order),
        touches=converted.journey_id.count().over(journey),
        decay=((converted.ts - converted.last_ts) * decay_rate).exp(),
    )
    positioned = ranked.mutate(
        lead_position=ibis.ifelse(ranked.kind == "lead_created", ranked.position, None)
        .min()
        .over(journey),
        deal_position=ibis.ifelse(ranked.kind == "deal_created", ranked.position, None)
        .min()
        .over(journey),
        decay_total=ranked.decay.sum().over(journey),
    )
    weights = positioned.select(
        "key", "value", **{rule.name: rule.weight(positioned) for rule in rules}
    )
    aggregates: dict[str, ir.Value] = {}
    for rule in rules:
        aggregates[f"{rule.name}_conversions"] = weights[rule.name].sum()
        aggregates[f"{rule.name}_value"] = (weights[rule.name] * weights.value).sum()
    return weights.group_by("key").aggregate(**aggregates)


def channel_sets(touches: ibis.Table, bits: dict[str, int]) -> ibis.Table:
    """Journeys, conversions and value per channel set, a set written as a bit mask.

    ``bits`` maps each key to a distinct power of two; a journey's mask is the sum of the
    bits of its distinct keys.
    """
    pairs = touches.select("journey_id", "key", "converted", "value").distinct()
    bit = pairs.key.cases(*bits.items(), else_=0)
    masks = (
        pairs.mutate(bit=bit.cast(dt.int64))
        .group_by("journey_id")
        .aggregate(mask=_.bit.sum(), converted=_.converted.any(), value=_.value.max())
    )
    return masks.group_by("mask").aggregate(
        journeys=_.count(),
        conversions=ibis.ifelse(masks.converted, 1, 0).sum(),
        value=masks.value.sum(),
    )
