"""``import-contacts``: a HubSpot contacts export of ``--contacts`` rows (default 1,000,000)
imported through the import services, as the worker runs it.

Runs in this process against a fresh SQLite data folder, or, with ``DATABASE_URL`` set, that
PostgreSQL database (migrated first; its contacts are emptied). A fifth of the file's
contacts are already in Tandem (matched by email, updated), one row in fifty is bad (an
address that is not one, every tenth of them a whole row shifted by extra values). The file
is written to disk first and read back streamed, in chunks.

``--file-mb MB`` pads every row with an unmapped column so that the file weighs that much
(``--contacts 200000 --file-mb 300``: 300 MB of 1.5 KB rows): memory must stay flat in the
file's size, the reader never holding more than a chunk.

Reported: seconds and rows per second of the import (the upload's detection and the final
rescoring included), the CPU seconds this process spent (the database's own on PostgreSQL
not included; on a shared machine they say more than the wall clock), the file's size, the
process's resident memory when 10 % and 100 % of the rows are done and its peak (target: 60 s,
500 MB, flat in the file's size).

    TANDEM_DATA_DIR=/tmp/bench python -m benchmarks import-contacts --contacts 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python -m benchmarks import-contacts
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import Figure, benchmark

NAME = "import-contacts"
DEFAULT_ROWS = 1_000_000
HEADER = (
    "Record ID,First Name,Last Name,Email,Phone Number,Job Title,Lifecycle Stage,"
    "Contact owner,Company name,Company Domain Name,Create Date"
)
PADDING = "Bench Padding"  # mapped to nothing: only weight
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "customer")
TITLES = ("CTO", "Head of Operations", "Plant Manager", "Buyer", "CFO", "Engineer")


def _kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def _setup(folder: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ["TANDEM_DATA_DIR"] = folder
    os.environ["TANDEM_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _lines(rows: int, pad: str = "") -> Iterator[str]:
    for n in range(rows):
        company = n % 5_000
        email = f"person{n}@company{company}.test"
        if n % 50 == 7:
            email = f"person{n} at company{company}"  # bad: not an address
        line = (
            f"{9_000_000 + n},First{n},Last{n},{email},+1 555 {n:07d},{TITLES[n % 6]},"
            f"{STAGES[n % 5]},owner@bench.test,Company {company},company{company}.test,"
            f"2024-0{1 + n % 9}-1{n % 10} 10:00{pad}\n"
        )
        if n % 500 == 17:
            line = line.rstrip("\n") + ",x,y\n"  # bad: shifted values
        yield line


def _file(folder: str, rows: int, file_mb: float | None = None) -> Path:
    """The HubSpot export; padded so that it weighs ``file_mb`` MB when that is given."""
    path = Path(folder) / "hubspot-contacts.csv"
    pad = ""
    if file_mb:
        plain = sum(len(line) for line in _lines(min(rows, 1_000))) / min(rows, 1_000)
        pad = "," + "x" * max(0, int(file_mb * 1_000_000 / rows - plain - 1))
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER + (f",{PADDING}\n" if pad else "\n"))
        for line in _lines(rows, pad):
            out.write(line)
    return path


def _existing(rows: int) -> None:
    """A fifth of the file's contacts, already in Tandem."""
    from tandem.ops.rows import tuples_insert
    from tandem.people.models import Contact

    Contact.objects.all().delete()
    stamp = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    tuples_insert(
        Contact,
        (
            "email",
            "first_name",
            "last_name",
            "phone",
            "title",
            "audience_flags",
            "lifecycle_stage",
            "score",
            "first_touch_source",
            "first_touch_medium",
            "last_touch_source",
            "last_touch_medium",
            "custom",
            "created_at",
            "updated_at",
        ),
        (
            (
                f"person{n}@company{n % 5_000}.test",
                "Old",
                "Name",
                "",
                "",
                1,
                "subscriber",
                0,
                "",
                "",
                "",
                "",
                {},
                stamp,
                stamp,
            )
            for n in range(0, rows, 5)
        ),
    )


@benchmark(NAME, "1M HubSpot contact rows imported: seconds, rows/s, memory at 10 % and 100 %")
def run(options: argparse.Namespace) -> Iterator[Figure]:
    rows = options.contacts or DEFAULT_ROWS
    with tempfile.TemporaryDirectory(prefix="tandem-import-bench-") as folder:
        _setup(folder)
        from tandem.access.models import User
        from tandem.access.roles import Role
        from tandem.imports import services
        from tandem.imports.running import job_run

        path = _file(folder, rows, getattr(options, "file_mb", None))
        _existing(rows)
        admin, _ = User.objects.get_or_create(
            username="bench-admin", defaults={"role": Role.ADMIN, "email": "owner@bench.test"}
        )
        memory: dict[str, float] = {}

        def progress(done: int, total: int) -> None:
            if "at_10" not in memory and done >= total / 10:
                memory["at_10"] = _kib("VmRSS") / 1024

        started, cpu_started = time.perf_counter(), time.process_time()
        with open(path, "rb") as file:
            job = services.import_upload(
                user=admin, file=file, filename=path.name, object_type="contacts"
            )
        services.import_configure(
            user=admin, job=job, mapping=job.mapping, value_maps=job.value_maps
        )
        services.import_start(user=admin, job=job)
        job = job_run(job.pk, progress=progress)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        memory["at_100"] = _kib("VmRSS") / 1024
        assert job is not None and job.status == "done", job and job.error
        yield Figure(NAME, "rows", rows, "rows")
        yield Figure(NAME, "seconds", round(seconds, 1), "s")
        yield Figure(NAME, "rows_per_second", round(rows / seconds), "rows/s")
        yield Figure(NAME, "cpu_seconds", round(cpu_seconds, 1), "s")
        yield Figure(NAME, "file_mb", round(path.stat().st_size / 1_000_000, 1), "MB")
        yield Figure(NAME, "created", job.created, "rows")
        yield Figure(NAME, "updated", job.updated, "rows")
        yield Figure(NAME, "failed", job.failed, "rows")
        yield Figure(NAME, "rss_at_10_percent", round(memory.get("at_10", 0), 1), "MB")
        yield Figure(NAME, "rss_at_100_percent", round(memory["at_100"], 1), "MB")
        yield Figure(NAME, "peak_rss", round(_kib("VmHWM") / 1024, 1), "MB")
