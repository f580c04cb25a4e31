"""A migrated demo database for the hand-off benchmarks, and Django set up on it.

``TANDEM_BENCH_DB=/path/to/demo.sqlite3`` points the benchmarks at a prepared demo database
(the 1,000,000-contact one); it is copied with SQLite's backup API, never written. Without it a
fresh demo of ``--contacts N`` contacts is generated first (which takes a while).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _tandem(*args: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 — our own interpreter and module, fixed arguments
        [sys.executable, "-m", "tandem.cli", *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def demo_database(contacts: int) -> Iterator[int]:
    """Yield the number of contacts of a migrated demo database Django is now set up on."""
    with tempfile.TemporaryDirectory(prefix="tandem-handoff-bench-") as folder:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "TANDEM_MODE", "DJANGO_SETTINGS_MODULE")
        }
        env["TANDEM_DATA_DIR"] = folder
        prepared = os.environ.get("TANDEM_BENCH_DB")
        target = Path(folder) / "tandem.sqlite3"
        if prepared:
            with (
                sqlite3.connect(f"file:{prepared}?mode=ro", uri=True) as src,
                sqlite3.connect(target) as dst,
            ):
                src.backup(dst)
            _tandem("migrate", "--verbosity", "0", env=env)
            # The copy leaves gigabytes of dirty pages; written back during the measurement,
            # they would stall its reads and time the disk, not Tandem.
            os.sync()
        else:
            _tandem("migrate", "--verbosity", "0", env=env)
            _tandem("demo", "--contacts", str(contacts), "--no-progress", env=env)
        os.environ.pop("DATABASE_URL", None)
        os.environ["TANDEM_DATA_DIR"] = folder
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
        import django

        django.setup()
        from tandem.people.models import Contact

        yield Contact.objects.count()
        from django.db import connections

        connections.close_all()
