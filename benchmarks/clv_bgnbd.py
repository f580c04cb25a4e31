"""``clv-bgnbd``: fit BG/NBD to 1,000,000 customers drawn from known parameters.

Customers are drawn with a fixed seed from r = 0.25, α = 30 days, a = 0.8, b = 2.5, aged 1 to
730 days, as whole-day ``(x, t_x, T)`` histories in an in-memory DuckDB table. Measured: the
Ibis query that deduplicates the histories plus the maximum-likelihood fit (median and best of
three), and the peak memory of the first run above the process's size before it. The peer is
lifetimes' ``BetaGeoFitter`` (a dev-only tool) on the same 1,000,000 histories, as it is
usually called (one row per customer); the lines also give each parameter's relative
difference from lifetimes and from the truth.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Iterator

import ibis
import numpy as np
import pyarrow as pa

from benchmarks import Figure, benchmark
from benchmarks._peak import peak_memory
from tandem.analytics.clv import bgnbd
from tandem.analytics.clv.simulate import Truth, simulate_histories

NAME = "clv-bgnbd"
DEFAULT_CUSTOMERS = 1_000_000
TRUTH = Truth(r=0.25, alpha=30.0, a=0.8, b=2.5)
MAX_AGE = 730
SEED = 20_250_102
RUNS = 3
PARAMETERS = ("r", "alpha", "a", "b")


def _fit(histories: ibis.Table) -> bgnbd.BgNbdFit:
    """Deduplicate on the engine, then fit on the small summary."""
    summary = histories.group_by(["x", "t_x", "T"]).aggregate(customers=ibis._.count())
    rows = summary.to_pyarrow()
    columns = [np.asarray(rows[name].to_numpy(), dtype=float) for name in rows.column_names]
    return bgnbd.fit(bgnbd.RepeatSummary(*columns))


def _lifetimes(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[float, dict] | None:
    try:
        from lifetimes import BetaGeoFitter
    except ImportError:
        return None
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = BetaGeoFitter().fit(x, t_x, T)
    seconds = time.perf_counter() - started
    return seconds, {name: float(fitter.params_[name]) for name in PARAMETERS}


@benchmark(
    NAME,
    "BG/NBD fit on N simulated customers (default 1,000,000, --contacts N): seconds, peak "
    "memory, parameter differences; lifetimes as peer",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    count = options.contacts or DEFAULT_CUSTOMERS
    x, t_x, T = simulate_histories(count, TRUTH, max_age=MAX_AGE, seed=SEED)
    connection = ibis.duckdb.connect()
    histories = connection.create_table(
        "histories", pa.table({"x": x.astype(np.int64), "t_x": t_x, "T": T})
    )

    timings = []
    cpu = []
    with peak_memory() as peak:
        started = time.perf_counter()
        cpu_started = time.process_time()
        fit = _fit(histories)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    for _ in range(RUNS - 1):
        started = time.perf_counter()
        cpu_started = time.process_time()
        _fit(histories)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    seconds = statistics.median(timings)
    ours = {name: getattr(fit, name) for name in PARAMETERS}

    peer = _lifetimes(x, t_x, T)
    if peer is None:
        yield Figure(NAME, "seconds", round(seconds, 3), "s")
    else:
        yield Figure(NAME, "seconds", round(seconds, 3), "s", "lifetimes", round(peer[0], 3))
    yield Figure(NAME, "seconds_best", round(min(timings), 3), "s")
    # CPU time of all the process's threads: what the run costs when the machine is busy.
    yield Figure(NAME, "cpu_seconds", round(statistics.median(cpu), 3), "s")
    yield Figure(NAME, "cpu_seconds_best", round(min(cpu), 3), "s")
    yield Figure(NAME, "peak_memory", peak.step_mb, "MB")
    yield Figure(NAME, "process_peak_memory", peak.process_mb, "MB")
    yield Figure(NAME, "customers", count, "customers")
    yield Figure(NAME, "iterations", fit.iterations, "iterations")
    for name in PARAMETERS:
        truth = getattr(TRUTH, name)
        yield Figure(NAME, f"{name}_vs_truth", round(ours[name] / truth - 1, 5), "relative")
        if peer is not None:
            theirs = peer[1][name]
            yield Figure(
                NAME, f"{name}_vs_lifetimes", round(ours[name] / theirs - 1, 7), "relative"
            )
