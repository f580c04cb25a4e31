"""``demo-generate``: how fast ``tandem demo`` fills a fresh SQLite database, and how big."""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import Figure, benchmark

NAME = "demo-generate"
DEFAULT_CONTACTS = 100_000
REPO = Path(__file__).resolve().parent.parent
TABLES = {
    "accounts": "people_account",
    "contacts": "people_contact",
    "touches": "people_touch",
    "consents": "people_consent",
    "lifecycle_moves": "people_lifecyclemove",
    "form_submissions": "marketing_formsubmission",
    "leads": "handoff_lead",
    "deals": "sales_deal",
    "deal_stage_moves": "sales_dealstagemove",
}


def _tandem(*args: str, env: dict[str, str], quiet: bool = True) -> None:
    subprocess.run(  # noqa: S603 — our own interpreter and module, fixed arguments
        [sys.executable, "-m", "tandem.cli", *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


@benchmark(
    NAME,
    "tandem demo --contacts N (default 100,000) into a fresh SQLite data folder: "
    "seconds, contacts/s, peak memory, rows",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as folder:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "TANDEM_MODE", "DJANGO_SETTINGS_MODULE")
        }
        env["TANDEM_DATA_DIR"] = folder
        _tandem("migrate", "--verbosity", "0", env=env)
        started = time.perf_counter()
        _tandem("demo", "--contacts", str(contacts), "--no-progress", env=env)
        seconds = time.perf_counter() - started
        # The largest child so far: the demo run (migrate, before it, is far smaller).
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with sqlite3.connect(Path(folder) / "tandem.sqlite3") as db:
            counts = {
                metric: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
                for metric, table in TABLES.items()
            }
    yield Figure(NAME, "seconds", round(seconds, 2), "s")
    yield Figure(NAME, "contacts_per_second", round(contacts / seconds, 1), "contacts/s")
    yield Figure(NAME, "peak_memory", round(peak_kib / 1024, 1), "MB")
    for metric, count in counts.items():
        yield Figure(NAME, f"rows_{metric}", count, "rows")
