"""``analytics-all``: every analysis on a demo database, through the reports' own feeders.

Reads the data folder named by ``TANDEM_BENCH_DATA_DIR`` (a migrated ``tandem.sqlite3``: a copy
of the 1M-contact demo, never the original), or builds a demo of ``--contacts`` (default 3,000)
in a fresh temporary folder. A child process sets Django up on that folder and runs, one after
the other, each analysis the way a report page does — the feeders of ``tandem.reports``
read the CRM's tables (on SQLite, once, into Arrow) and ``tandem.analytics`` models them:

- ``feed_journeys``: the revenue journeys (touches up to each contact's first win) read out;
- ``attribution_<model>``: each attribution model alone on those journeys, and
  ``attribution_report`` the attribution report (feeder and every model, 90-day lookback);
- ``clv_fit``: BG/NBD and Gamma-Gamma on won deals as purchases;
- ``lifetime_by_campaign`` / ``lifetime_by_segment``: the lifetime report (fit, per-customer
  values, aggregation by acquiring campaign or account segment);
- ``funnel_and_velocity`` (cohorts by source, with the deals), ``forecast``,
  ``forecast_backtest`` (three dates), ``mediamix`` and ``profitability``: their reports.

For each: ``<name>_seconds`` (wall), ``<name>_cpu_seconds`` (the process's threads; DuckDB runs
on several) and ``<name>_peak_memory`` (MB above the process's size before the step). An
analysis that refuses the data (a fit that does not converge) prints ``<name>_failed`` and its
reason on stderr; the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks import Figure, benchmark

NAME = "analytics-all"
DEFAULT_CONTACTS = 3_000
REPO = Path(__file__).resolve().parent.parent
CHILD = r"""
import datetime as dt, json, sys, time, django
django.setup()
from benchmarks._peak import peak_memory
from tandem.analytics.attribution import AttributionModel, attribution_run
from tandem.analytics.clv import CLVInput, clv_run
from tandem.analytics.errors import AnalyticsError
from tandem.analytics.forecast import ForecastInput, forecast_backtest
from tandem.reports import analyses, feeders

def measure(name, run):
    with peak_memory() as peak:
        started, cpu = time.perf_counter(), time.process_time()
        error = None
        try:
            result = run()
        except AnalyticsError as problem:
            result, error = None, str(problem)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"name": name, "seconds": seconds, "cpu": cpu_seconds,
                      "mb": peak.step_mb, "error": error}), flush=True)
    if error:
        print(f"{name}: {error}", file=sys.stderr, flush=True)
    return result

def report(name, **given):
    kind = analyses.report_type(name)
    return lambda: kind.compute(kind.input(**given), lambda percent, step: None)

db = feeders.database()
journeys = measure("feed_journeys", lambda: feeders.prepared(
    feeders.journeys(db, conversion="revenue")))
print(json.dumps({"name": "touches", "rows": journeys.num_rows}), flush=True)
for model in AttributionModel:
    params = analyses.AttributionReportInput(models=(model,)).analysis_input()
    measure(f"attribution_{model.value}", lambda: attribution_run(journeys, params))
del journeys
measure("attribution_report", report("attribution"))
now = feeders.now()
measure("clv_fit", lambda: clv_run(feeders.prepared(feeders.purchases(db)),
                                   CLVInput(observed_until=now, time_unit_days=7)))
measure("lifetime_by_campaign", report("lifetime", group_by="campaign"))
measure("lifetime_by_segment", report("lifetime", group_by="segment"))
measure("funnel_and_velocity", report("funnel", cohort_by="source"))
measure("forecast", report("forecast"))
measure("forecast_backtest", lambda: forecast_backtest(
    feeders.prepared(feeders.stage_visits(db)),
    [now - dt.timedelta(days=90 * k) for k in (1, 2, 3)],
    ForecastInput(unseen_stages="skip"),
))
measure("mediamix", report("mediamix"))
measure("profitability", report("profitability"))
"""


def _env(folder: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "TANDEM_MODE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(TANDEM_DATA_DIR=folder, DJANGO_SETTINGS_MODULE="tandem.settings")
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 — our own interpreter and modules, fixed arguments
        [sys.executable, *args], env=env, cwd=REPO, check=True, capture_output=True, text=True
    )
    sys.stderr.write(done.stderr)
    return done.stdout


@benchmark(
    NAME,
    "every analysis through the reports' feeders on a demo database (TANDEM_BENCH_DATA_DIR, "
    "else a --contacts demo, default 3,000): seconds, CPU seconds and peak memory each",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    given = os.environ.get("TANDEM_BENCH_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as scratch:
        folder = given or scratch
        env = _env(folder)
        if not given:
            contacts = str(options.contacts or DEFAULT_CONTACTS)
            _run(["-m", "tandem.cli", "migrate", "--verbosity", "0"], env)
            _run(["-m", "tandem.cli", "demo", "--contacts", contacts, "--no-progress"], env)
        output = _run(["-c", CHILD], env)
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if "rows" in row:
            yield Figure(NAME, row["name"], row["rows"], "rows")
            continue
        name = row["name"]
        yield Figure(NAME, f"{name}_seconds", round(row["seconds"], 3), "s")
        yield Figure(NAME, f"{name}_cpu_seconds", round(row["cpu"], 3), "s")
        yield Figure(NAME, f"{name}_peak_memory", row["mb"], "MB")
        if row["error"]:
            yield Figure(NAME, f"{name}_failed", 1, "error")
