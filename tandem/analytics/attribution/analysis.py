"""The attribution analysis: validate the journeys, summarize on the engine, credit the keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tandem.analytics.attribution import packed, queries
from tandem.analytics.attribution.inputs import (
    AttributionInput,
    AttributionModel,
    AttributionResult,
    Credit,
    ModelCredits,
)
from tandem.analytics.attribution.markov import AbsorbingChain, shares
from tandem.analytics.attribution.rules import RULES
from tandem.analytics.attribution.shapley import ChannelSets, shapley_values
from tandem.analytics.base import Analysis, Limits, open_table
from tandem.analytics.errors import EmptyInputError, InputError

MAX_SHAPLEY_KEYS = 62  # a channel set is a bit mask in a signed 64-bit integer
MAX_LISTED_UNKNOWN = 10
# Engines in this process: bringing their rows into numpy is a copy, not a network transfer.
IN_PROCESS_BACKENDS = frozenset({"duckdb", ""})


@dataclass(frozen=True)
class AttributionSummary:
    """What the engine returns: the keys and one small table per kind of model."""

    keys: tuple[str, ...]
    rules: pa.Table | None
    transitions: pa.Table | None
    channel_sets: pa.Table | None
    totals: pa.Table | None = None


class Attribution(Analysis[AttributionInput, AttributionSummary, AttributionResult]):
    """Attribution of conversions and value to channels or campaigns, many models at once."""

    name = "attribution"
    _profile: pa.Table | None = None

    def summarize(self) -> AttributionSummary:
        params = self.params
        rows = queries.normalized(self.table, params)
        keys = self._checked_keys(rows)
        touches = queries.touches_in_window(rows, params.lookback_days)
        models = set(params.models)

        rules = [rule for model, rule in RULES.items() if model in models]
        rule_summary = (
            self.fetch(
                queries.rule_credits(touches, rules, params.half_life_days),
                what="rule-based credit summary",
            )
            if rules
            else None
        )
        transitions = None
        if AttributionModel.MARKOV in models:
            if any(queries.STATE_SEPARATOR in key for key in keys):
                raise InputError("a channel or campaign name holds the control character \\x1f")
            transitions = self._transitions(rows, keys)
        sets = None
        if AttributionModel.SHAPLEY in models:
            if len(keys) > MAX_SHAPLEY_KEYS:
                raise InputError(
                    f"Shapley values take at most {MAX_SHAPLEY_KEYS} channels; "
                    f"the journeys have {len(keys)}"
                )
            bits = {key: 1 << position for position, key in enumerate(keys)}
            sets = self.fetch(queries.channel_sets(touches, bits), what="channel-set summary")
        totals = None
        if transitions is None and sets is None:
            totals = self.fetch(queries.journey_totals(touches), what="journey totals")
        return AttributionSummary(keys, rule_summary, transitions, sets, totals)

    def _transitions(self, rows: ibis.Table, keys: tuple[str, ...]) -> pa.Table:
        order = self.params.markov_order
        codes = (
            {key: position + 1 for position, key in enumerate(keys)}
            if len(keys) <= queries.MAX_CODED_KEYS
            else None
        )

        def decoded(summary: pa.Table) -> pa.Table:
            return summary if codes is None else queries.decode_states(summary, keys)

        if self._profile is not None and codes is not None:
            layout = packed.packing(self._profile, len(keys))
            if layout is not None:
                return decoded(self._packed_transitions(rows, codes, layout))
        if self.params.lookback_days is None:
            # Most journeys have no two touches at the same instant and one outcome on every
            # row: then ordering by time and reading the last row is exact, and cheaper.
            quick = self.fetch(
                queries.transition_counts(rows, order, careful=False, codes=codes),
                what="Markov transition summary",
            )
            if not pc.sum(quick["anomalies"]).as_py():
                return decoded(quick)
        touches = queries.touches_in_window(rows, self.params.lookback_days, with_times=False)
        return decoded(
            self.fetch(
                queries.transition_counts(touches, order, careful=True, codes=codes),
                what="Markov transition summary",
            )
        )

    def _packed_transitions(
        self, rows: ibis.Table, codes: dict[str, int], layout: packed.Packing
    ) -> pa.Table:
        """Count the transitions in numpy from one packed integer per touch."""
        # Both are bounded by packed.MAX_PACKED_TOUCHES, checked before packing, rather than
        # by the summary limit: they are per touch and per journey by design.
        column = packed.packed_touches(rows, codes, layout).to_pyarrow()["packed"]
        values = packed.journey_values(rows).to_pyarrow()
        return packed.transition_summary(
            np.asarray(column.to_numpy(), dtype=np.int64),
            values,
            layout,
            self.params.markov_order,
            self.params.lookback_days,
        )

    def _checked_keys(self, rows: ibis.Table) -> tuple[str, ...]:
        """The sorted keys of the journeys, once the journeys pass the input check."""
        # Markov attribution on an in-process engine may count transitions in numpy; the
        # same scan then measures the journeys for packing them (see packed.py).
        with_bounds = (
            AttributionModel.MARKOV in self.params.models
            and self.backend_name in IN_PROCESS_BACKENDS
            and rows.journey_id.type().is_integer()
        )
        profile = self.fetch(queries.key_profile(rows, with_bounds=with_bounds), what="key list")
        self._profile = profile if with_bounds else None
        if profile.num_rows == 0:
            raise EmptyInputError("the journeys table has no rows")
        keys = profile["key"].to_pylist()
        problems = {
            "missing " + self.params.group_by: sum(
                count
                for key, count in zip(keys, profile["rows"].to_pylist(), strict=True)
                if key is None
            )
        }
        for name in queries.PROBLEM_COLUMNS:
            problems[name.replace("_", " ")] = int(pc.sum(profile[name]).as_py() or 0)
        found = [f"{count:,} row(s) with {name}" for name, count in problems.items() if count]
        if found:
            raise InputError("the journeys table has " + "; ".join(found))
        known = tuple(sorted(str(key) for key in keys))
        self._check_keys(known)
        return known

    def _check_keys(self, keys: tuple[str, ...]) -> None:
        if self.params.channels is None:
            return
        unknown = sorted(set(keys) - set(self.params.channels))
        if unknown:
            listed = ", ".join(unknown[:MAX_LISTED_UNKNOWN])
            more = len(unknown) - MAX_LISTED_UNKNOWN
            raise InputError(
                f"the journeys name {self.params.group_by}s not in the given list: {listed}"
                + (f" and {more} more" if more > 0 else "")
            )

    def model(self, summary: AttributionSummary) -> AttributionResult:
        keys = summary.keys
        chain = (
            AbsorbingChain.from_transitions(summary.transitions)
            if summary.transitions is not None
            else None
        )
        results: dict[AttributionModel, ModelCredits] = {}
        if summary.rules is not None:
            results.update(_rule_models(summary.rules, keys, self.params.models))
        if chain is not None:
            results[AttributionModel.MARKOV] = _markov(chain, keys)
        if summary.channel_sets is not None:
            results[AttributionModel.SHAPLEY] = _shapley(summary.channel_sets, keys, self.params)
        journeys, conversions, value = _totals(summary, chain)
        return AttributionResult(
            journeys=journeys,
            conversions=conversions,
            value=value,
            keys=keys,
            models=tuple(results[model] for model in self.params.models),
        )


def _totals(summary: AttributionSummary, chain: AbsorbingChain | None) -> tuple[int, int, float]:
    """Journeys, conversions and value, from whichever summary the run fetched."""
    if chain is not None:
        return chain.journeys, chain.conversions, chain.value
    table = summary.channel_sets if summary.channel_sets is not None else summary.totals
    assert table is not None  # noqa: S101 — summarize fetches totals when nothing else has them
    return (
        int(pc.sum(table["journeys"]).as_py() or 0),
        int(pc.sum(table["conversions"]).as_py() or 0),
        float(pc.sum(table["value"]).as_py() or 0.0),
    )


def _credits(
    model: AttributionModel,
    keys: tuple[str, ...],
    conversions: np.ndarray,
    value: np.ndarray,
    **extra: Any,
) -> ModelCredits:
    rows = [
        Credit(key=key, conversions=float(conversions[i]), value=float(value[i]))
        for i, key in enumerate(keys)
    ]
    rows.sort(key=lambda credit: (-credit.conversions, -credit.value, credit.key))
    return ModelCredits(model=model, credits=tuple(rows), **extra)


def _rule_models(
    table: pa.Table, keys: tuple[str, ...], models: tuple[AttributionModel, ...]
) -> dict[AttributionModel, ModelCredits]:
    position = {key: i for i, key in enumerate(keys)}
    rows = np.array([position[str(key)] for key in table["key"].to_pylist()], dtype=np.int64)
    results = {}
    for model in models:
        if model not in RULES:
            continue
        conversions = np.zeros(len(keys))
        value = np.zeros(len(keys))
        conversions[rows] = table[f"{model.value}_conversions"].to_numpy(zero_copy_only=False)
        value[rows] = table[f"{model.value}_value"].to_numpy(zero_copy_only=False)
        results[model] = _credits(model, keys, np.nan_to_num(conversions), np.nan_to_num(value))
    return results


def _markov(chain: AbsorbingChain, keys: tuple[str, ...]) -> ModelCredits:
    conversion_effects, value_effects = chain.removal_effects(keys)
    return _credits(
        AttributionModel.MARKOV,
        keys,
        shares(conversion_effects, chain.conversions),
        shares(value_effects, chain.value),
        removal_effects={key: float(conversion_effects[i]) for i, key in enumerate(keys)},
    )


def _shapley(table: pa.Table, keys: tuple[str, ...], params: AttributionInput) -> ModelCredits:
    sets = ChannelSets(
        n=len(keys),
        masks=np.asarray(table["mask"].to_numpy(zero_copy_only=False), dtype=np.int64),
        journeys=np.asarray(table["journeys"].to_numpy(zero_copy_only=False), dtype=float),
        conversions=np.asarray(table["conversions"].to_numpy(zero_copy_only=False), dtype=float),
        value=np.asarray(table["value"].to_numpy(zero_copy_only=False), dtype=float),
    )
    values = shapley_values(
        sets,
        params.shapley_game,
        max_exact=params.shapley_max_exact_channels,
        samples=params.shapley_samples,
        seed=params.seed,
    )
    return _credits(
        AttributionModel.SHAPLEY,
        keys,
        _scaled(values.conversions, float(sets.conversions.sum())),
        _scaled(values.value, float(sets.value.sum())),
        shapley_values={key: float(values.conversions[i]) for i, key in enumerate(keys)},
        is_exact=values.is_exact,
    )


def _scaled(values: np.ndarray, total: float) -> np.ndarray:
    """Scale Shapley values so they add up to ``total`` (all zero when they add up to zero)."""
    weight = values.sum()
    if total == 0 or abs(weight) <= 1e-15 * max(1.0, float(np.abs(values).sum())):
        return np.zeros_like(values)
    return values / weight * total


def attribution_run(
    journeys: Any,
    params: AttributionInput | None = None,
    *,
    table: str | None = None,
    limits: Limits | None = None,
) -> AttributionResult:
    """Attribute the conversions and value of ``journeys`` to channels or campaigns.

    ``journeys`` is anything :func:`~tandem.analytics.base.open_table` accepts: an Ibis table,
    a pandas or pyarrow table, a CSV or Parquet path, or a database URL with ``table``.
    """
    source = open_table(journeys, table=table)
    return Attribution(source, params or AttributionInput(), limits=limits).run()
