"""``attribution-markov``: Markov attribution of 1,000,000 synthetic journeys on DuckDB.

The journeys are drawn with a fixed seed (8 channels, 1 to 12 touches, about 2.8 touches per
journey; conversion more likely with the first three channels) and loaded into an in-memory
DuckDB table. Measured: the whole ``attribution_run`` with the Markov model (input checks,
the Ibis transition query, the exact solve), median and best of three runs, and the peak
memory of the first run above the process's size before it. The peer, ChannelAttribution's
Monte Carlo ``markov_model`` (GPL-3, a dev-only tool), takes one row per distinct path; its
time on the ``seconds`` line includes building that table from the same touches (in DuckDB),
and ``seconds_vs_peer_model`` compares with its model call alone. The last lines give the
largest difference in removal effects and in each channel's share of the credit.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
from collections.abc import Iterator

import ibis
import numpy as np
import pyarrow as pa

from benchmarks import Figure, benchmark
from benchmarks._peak import peak_memory
from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run

NAME = "attribution-markov"
DEFAULT_JOURNEYS = 1_000_000
CHANNELS = ("email", "paid_search", "webinar", "organic", "social", "display", "event", "referral")
SHARES = (0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.04)
SEED = 20_250_101
RUNS = 3


def synthetic_journeys(count: int, seed: int = SEED) -> pa.Table:
    """``count`` journeys, one row per touch, rows shuffled; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    lengths = rng.geometric(0.35, count).clip(1, 12)
    total = int(lengths.sum())
    journey = np.repeat(np.arange(count, dtype=np.int64), lengths)
    gaps = rng.integers(3_600, 10 * 86_400, total).cumsum()
    offset = gaps - np.repeat(gaps[np.cumsum(lengths) - lengths] - 3_600, lengths)
    seconds = np.repeat(rng.integers(0, 365 * 86_400, count), lengths) + offset
    channel = rng.choice(len(CHANNELS), total, p=SHARES)
    chance = 0.02 + 0.03 * np.bincount(journey, weights=channel < 3, minlength=count)
    converted = rng.random(count) < chance
    value = np.where(converted, rng.gamma(2.0, 400.0, count).round(2), 0.0)
    order = rng.permutation(total)
    names = np.array(CHANNELS)
    return pa.table(
        {
            "journey_id": journey[order],
            "touched_at": pa.array(
                (1_704_067_200 + seconds[order]).astype("datetime64[s]").astype("datetime64[us]")
            ),
            "channel": names[channel[order]],
            "touch_kind": np.full(total, "touch"),
            "converted": converted[journey[order]],
            "value": value[journey[order]],
        }
    )


def _paths_for_peer(connection: ibis.BaseBackend) -> object:
    """The journeys as ChannelAttribution wants them: path, conversions, nulls, value."""
    return connection.raw_sql(  # type: ignore[attr-defined]
        """
        SELECT path, SUM(c::INT) AS conversions, SUM((NOT c)::INT) AS nulls, SUM(v) AS value
        FROM (
            SELECT string_agg(channel, ' > ' ORDER BY touched_at) AS path,
                   bool_or(converted) AS c, max(value) AS v
            FROM journeys GROUP BY journey_id
        ) GROUP BY path
        """
    ).df()


def _peer(connection: ibis.BaseBackend) -> tuple[float, float, dict[str, float]] | None:
    """ChannelAttribution's seconds (with its input built, and alone) and removal effects."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from ChannelAttribution import markov_model
    except ImportError:
        return None
    building = time.perf_counter()
    paths = _paths_for_peer(connection)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        result = markov_model(
            paths,
            "path",
            "conversions",
            var_value="value",
            var_null="nulls",
            out_more=True,
            verbose=False,
        )
    finished = time.perf_counter()
    effects = result["removal_effects"]
    return (
        finished - building,
        finished - started,
        dict(zip(effects["channel_name"], effects["removal_effects_conversion"], strict=True)),
    )


def _shares(effects: dict[str, float]) -> dict[str, float]:
    total = sum(effects.values())
    return {key: value / total for key, value in effects.items()}


@benchmark(
    NAME,
    "Markov attribution of N journeys (default 1,000,000, --contacts N) on DuckDB: seconds, "
    "peak memory; ChannelAttribution as peer",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    count = options.contacts or DEFAULT_JOURNEYS
    connection = ibis.duckdb.connect()
    journeys = connection.create_table("journeys", synthetic_journeys(count))
    params = AttributionInput(models=(AttributionModel.MARKOV,))

    timings = []
    cpu = []
    with peak_memory() as peak:
        started = time.perf_counter()
        cpu_started = time.process_time()
        result = attribution_run(journeys, params)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    for _ in range(RUNS - 1):
        started = time.perf_counter()
        cpu_started = time.process_time()
        attribution_run(journeys, params)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    seconds = statistics.median(timings)
    markov = result.by_model(AttributionModel.MARKOV)
    ours = markov.removal_effects or {}

    peer = _peer(connection)
    if peer is None:
        yield Figure(NAME, "seconds", round(seconds, 3), "s")
    else:
        peer_seconds, peer_model_seconds, theirs = peer
        yield Figure(
            NAME, "seconds", round(seconds, 3), "s", "channelattribution", round(peer_seconds, 3)
        )
        yield Figure(
            NAME,
            "seconds_vs_peer_model",
            round(seconds, 3),
            "s",
            "channelattribution markov_model alone",
            round(peer_model_seconds, 3),
        )
    yield Figure(NAME, "seconds_best", round(min(timings), 3), "s")
    # CPU time of all the process's threads: what the run costs when the machine is busy.
    yield Figure(NAME, "cpu_seconds", round(statistics.median(cpu), 3), "s")
    yield Figure(NAME, "cpu_seconds_best", round(min(cpu), 3), "s")
    yield Figure(NAME, "query_seconds", round(result.timings.query_seconds, 3), "s")
    yield Figure(NAME, "solve_seconds", round(result.timings.model_seconds, 4), "s")
    yield Figure(NAME, "peak_memory", peak.step_mb, "MB")
    yield Figure(NAME, "process_peak_memory", peak.process_mb, "MB")
    yield Figure(NAME, "journeys", result.journeys, "journeys")
    yield Figure(NAME, "conversions", result.conversions, "conversions")
    if peer is not None:
        common = sorted(set(ours) & set(theirs))
        ours_share, theirs_share = _shares(ours), _shares(theirs)
        yield Figure(
            NAME,
            "removal_effect_max_abs_diff",
            round(max(abs(ours[key] - theirs[key]) for key in common), 5),
            "probability",
        )
        yield Figure(
            NAME,
            "credit_share_max_abs_diff",
            round(max(abs(ours_share[key] - theirs_share[key]) for key in common), 5),
            "share",
        )
