"""``touch-ingest``: batches of 5,000 touches through ``POST /api/v1/touches:batch``.

Runs in this process against a fresh SQLite data folder (or, with ``DATABASE_URL`` set, that
PostgreSQL database, migrated first; or, with ``TANDEM_BENCH_DATA_DIR`` naming a folder holding
a prepared ``tandem.sqlite3`` — e.g. a migrated copy of the 1M-contact demo — that database).
It creates ``--contacts`` contacts (default 20,000) unless the database already has contacts,
then, after one call that warms the server up (timed apart: ``first_call_seconds``), sends
five touches per contact in batches of 5,000 over the full HTTP path (token auth,
JSON, validation, set-based inserts, first/last touch). Half the items name the contact by id,
half by email; one item in fifty is a retry of an earlier client id. Reported: touches per
second of the API (wall clock, and per CPU second of this process), the median and p99
seconds per batch, the seconds the background refresh (lifecycle, bulk rescoring with
hand-offs, segments; ``contacts_touched_refresh``) takes per batch, and the sustained rate of
API and refresh together, each batch's refresh run right after it as the worker would. Then
the same number of touches again (fresh client ids) from two clients at once, without the
refresh: ``touches_per_second_two_clients_*``.
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


def _two_clients(token: str, items: list[dict]) -> float:
    """Seconds to send ``items`` from two clients at once, as integrations do in production
    (the app's work on one batch overlaps the database's on the other); no refresh between."""
    import threading

    from django.db import connection
    from django.test import Client

    bodies = [json.dumps({"items": items[s : s + BATCH]}) for s in range(0, len(items), BATCH)]
    failures: list[BaseException] = []

    def send(part: list[str]) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            for body in part:
                response = client.post(
                    "/api/v1/touches:batch", data=body, content_type="application/json"
                )
                assert response.status_code == 200, response.content[:500]
        except BaseException as problem:  # noqa: BLE001 — reported by the main thread
            failures.append(problem)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=send, args=(bodies[k::2],)) for k in range(2)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return time.perf_counter() - began


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
        by_email = {email: pk for pk, email in contacts}
        # A server answers its first call after importing and building the API (several
        # seconds); "sustained" is the rate after that, so one touch goes first, timed apart.
        warm = {"client_id": f"{run_id}-warm", "contact_id": contacts[0][0], "kind": "page_visit"}
        began = time.perf_counter()
        response = client.post(
            "/api/v1/touches:batch",
            data=json.dumps({"items": [warm]}),
            content_type="application/json",
        )
        first_call = time.perf_counter() - began
        assert response.status_code == 200, response.content[:500]
        seconds: list[float] = []
        refreshes: list[float] = []
        refresh_cpu = 0.0
        stored = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            body = json.dumps({"items": batch})
            began = time.perf_counter()
            response = client.post(
                "/api/v1/touches:batch", data=body, content_type="application/json"
            )
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200, response.content[:500]
            stored += response.json()["stored"]
            # What the worker does next for this batch (the task the API enqueued): lifecycle,
            # bulk rescore with hand-offs, segments. Timed apart, and added for the sustained rate.
            touched = sorted({i.get("contact_id") or by_email[i["email"]] for i in batch})
            began, began_cpu = time.perf_counter(), time.process_time()
            tasks.contacts_touched_refresh.call(touched, [])
            refreshes.append(time.perf_counter() - began)
            refresh_cpu += time.process_time() - began_cpu
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        ingest_total, ingest_cpu = total - sum(refreshes), cpu - refresh_cpu
        from django.db import connection

        vendor = connection.vendor
        two_clients = _two_clients(token, [{**i, "client_id": f"b{i['client_id']}"} for i in items])

    def p99(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]

    rate = round(len(items) / ingest_total, 1)
    yield Figure(NAME, f"touches_per_second_{vendor}", rate, "touches/s")
    # This process's CPU seconds (app, JSON, and SQLite itself; not a PostgreSQL server's): on a
    # shared, busy machine the wall-clock rate says more about the neighbours than the code.
    cpu_rate = round(len(items) / ingest_cpu, 1)
    yield Figure(NAME, f"touches_per_cpu_second_{vendor}", cpu_rate, "touches/s")
    # Sustained: the API and the background refresh of every batch, one after the other.
    sustained = round(len(items) / total, 1)
    yield Figure(NAME, f"touches_per_second_with_refresh_{vendor}", sustained, "touches/s")
    yield Figure(NAME, f"touches_per_cpu_second_with_refresh_{vendor}", round(len(items) / cpu, 1),
                 "touches/s")  # fmt: skip
    # The same number again with fresh client ids, from two clients at once.
    yield Figure(
        NAME, f"touches_per_second_two_clients_{vendor}", round(len(items) / two_clients, 1),
        "touches/s",
    )  # fmt: skip
    yield Figure(NAME, "touches_sent", len(items), "touches")
    yield Figure(NAME, "touches_stored", stored, "touches")
    yield Figure(NAME, "batches", len(seconds), "batches")
    yield Figure(NAME, "first_call_seconds", round(first_call, 3), "s")
    yield Figure(NAME, "batch_seconds_p50", round(statistics.median(seconds), 3), "s")
    yield Figure(NAME, "batch_seconds_p99", round(p99(seconds), 3), "s")
    yield Figure(NAME, "refresh_seconds_per_batch_p50", round(statistics.median(refreshes), 3), "s")
    yield Figure(NAME, "refresh_seconds_per_batch_p99", round(p99(refreshes), 3), "s")
