"""``reports``: every report of ``tandem.reports`` fed from a demo database, timed.

Builds a demo of ``--contacts`` (default 3,000) in a fresh SQLite data folder, or reads the
data folder named by ``TANDEM_BENCH_DATA_DIR`` (a migrated ``tandem.sqlite3``, e.g. a copy of
the 1M-contact demo; never the original). Each report runs once through its feeder and
analysis, in a child process so Django is set up on that folder; the figures are its seconds
and the step's peak memory.
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

NAME = "reports"
DEFAULT_CONTACTS = 3_000
REPO = Path(__file__).resolve().parent.parent
REPORTS = ("attribution", "funnel", "forecast", "lifetime", "profitability")
CHILD = """
import json, time, django
django.setup()
from benchmarks._peak import peak_memory
from tandem.reports.analyses import report_type
for name in {reports!r}:
    kind = report_type(name)
    with peak_memory() as peak:
        started = time.perf_counter()
        kind.compute(kind.input(), lambda percent, step: None)
        seconds = time.perf_counter() - started
    print(json.dumps({{"name": name, "seconds": seconds, "mb": peak.step_mb}}), flush=True)
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
    return done.stdout


@benchmark(NAME, "each report on a demo (--contacts, default 3,000): seconds, peak memory")
def run(options: argparse.Namespace) -> Iterator[Figure]:
    given = os.environ.get("TANDEM_BENCH_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as scratch:
        folder = given or scratch
        env = _env(folder)
        if not given:
            contacts = str(options.contacts or DEFAULT_CONTACTS)
            _run(["-m", "tandem.cli", "migrate", "--verbosity", "0"], env)
            _run(["-m", "tandem.cli", "demo", "--contacts", contacts, "--no-progress"], env)
        output = _run(["-c", CHILD.format(reports=REPORTS)], env)
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        yield Figure(NAME, f"{row['name']}_seconds", round(row["seconds"], 2), "s")
        yield Figure(NAME, f"{row['name']}_peak_memory", row["mb"], "MB")
