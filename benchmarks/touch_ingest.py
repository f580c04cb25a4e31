"""``touch-ingest``: batches of 5,000 touches through ``POST /api/v1/touches:batch``.

Runs in this process against a fresh SQLite data folder (or, with ``DATABASE_URL`` set, that
PostgreSQL database, migrated first; or, with ``TANDEM_BENCH_DATA_DIR`` naming a folder holding
a prepared ``tandem.sqlite3`` — e.g. a migrated copy of the 1M-contact demo — that database).
It creates ``--contacts`` contacts (default 20,000) unless the database already has contacts,
then sends five touches per contact in batches of 5,000 over the full HTTP path (token auth,
JSON, validation, set-based inserts, first/last touch). Half the items name the contact by id,
half by email; one item in fifty is a retry of an earlier client id. Reported: touches per
second over the whole run (wall clock, and per CPU second of this process), the median and p99
seconds per batch, and the seconds the background refresh (lifecycle, rescoring, segments)
takes for one batch's contacts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark

NAME = "touch-ingest"
DEFAULT_CONTACTS = 20_000
BATCH = 5_000
KINDS = ("page_visit", "email_open", "email_click", "page_visit", "email_sent")


def _setup(folder: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ["TANDEM_DATA_DIR"] = os.environ.get("TANDEM_BENCH_DATA_DIR") or folder
    # Background work runs when asked (below), not inline with each request.
    os.environ["TANDEM_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _contacts(count: int) -> list[tuple[int, str]]:
    from tandem.people.models import Contact

    if not Contact.objects.exists():
        Contact.objects.bulk_create(
            (Contact(email=f"bench{n}@ingest{n % 97}.test") for n in range(count)),
            batch_size=2_000,
        )
    rows = Contact.objects.order_by("id").values_list("id", "email")[:count]
    return list(rows)


@benchmark(
    NAME,
    "POST /api/v1/touches:batch, 5,000 touches a call, 5 per contact (--contacts, default "
    "20,000): touches/s, p50 and p99 s per batch, background refresh s per batch",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    count = options.contacts or DEFAULT_CONTACTS
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as folder:
        _setup(folder)
        from django.test import Client

        from tandem.access import services as access
        from tandem.access.models import User
        from tandem.marketing import tasks

        user, _ = User.objects.get_or_create(
            username="bench-ingest", defaults={"role": "marketer", "email": "b@bench.test"}
        )
        _, token = access.token_issue(user=user, name=f"bench {time.time()}")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        contacts = _contacts(count)
        run_id = f"{time.time_ns()}"
        items = [
            {
                "client_id": f"{run_id}-{n}",
                **(
                    {"contact_id": contacts[n % len(contacts)][0]}
                    if n % 2
                    else {"email": contacts[n % len(contacts)][1]}
                ),
                "kind": KINDS[n % len(KINDS)],
                "channel": "email",
                "occurred_at": f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
                "utm_source": "newsletter" if n % 3 else "",
                "utm_medium": "email",
            }
            for n in range(len(contacts) * 5)
        ]
        for n in range(49, len(items), 50):  # a retried item: its client id was sent before
            items[n] = {**items[n], "client_id": items[n - 1]["client_id"]}
        seconds: list[float] = []
        stored = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        for start in range(0, len(items), BATCH):
            body = json.dumps({"items": items[start : start + BATCH]})
            began = time.perf_counter()
            response = client.post(
                "/api/v1/touches:batch", data=body, content_type="application/json"
            )
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200, response.content[:500]
            stored += response.json()["stored"]
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        refresh_ids = sorted({c for c, _ in contacts[:BATCH]})
        began = time.perf_counter()
        tasks.contacts_touched_refresh.call(refresh_ids, [])
        refresh = time.perf_counter() - began
        from django.db import connection

        vendor = connection.vendor
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    yield Figure(NAME, f"touches_per_second_{vendor}", round(len(items) / total, 1), "touches/s")
    # This process's CPU seconds (app, JSON, and SQLite itself; not a PostgreSQL server's): on a
    # shared, busy machine the wall-clock rate says more about the neighbours than the code.
    yield Figure(NAME, f"touches_per_cpu_second_{vendor}", round(len(items) / cpu, 1), "touches/s")
    yield Figure(NAME, "touches_sent", len(items), "touches")
    yield Figure(NAME, "touches_stored", stored, "touches")
    yield Figure(NAME, "batches", len(seconds), "batches")
    yield Figure(NAME, "batch_seconds_p50", round(statistics.median(seconds), 3), "s")
    yield Figure(NAME, "batch_seconds_p99", round(p99, 3), "s")
    yield Figure(NAME, "refresh_seconds_per_batch", round(refresh, 2), "s")
