"""``segment-rebuild``: a full rebuild of a 3-condition segment over N contacts, 10 touches each.

The segment is the issue's: a field (the account's industry is Manufacturing), a behaviour
(opened an email in the last 30 days) and a score threshold (at least 50). Measured: the first
build from empty (every member inserted), and a rebuild with nothing to change (the steady
state of the sweep), each with ``segments.services.segment_rebuild`` — one DELETE of the
difference and one INSERT…SELECT. See ``_segment_data`` for where the data lives
(``TANDEM_BENCH_DATA_DIR``, ``TANDEM_BENCH_DATABASE_URL``); without either, a temporary
SQLite database is filled with ``--contacts`` contacts (default 1,000,000).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark
from benchmarks._segment_data import DEFAULT_CONTACTS, data_ensure, django_database

NAME = "segment-rebuild"
RULE = {
    "match": "all",
    "conditions": [
        {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"},
        {"type": "behaviour", "action": "opened_email", "within_days": 30},
        {"type": "score", "op": "gte", "value": 50},
    ],
}


@benchmark(
    NAME,
    "full rebuild of a 3-condition segment (field, behaviour in 30 days, score) over N contacts "
    "(default 1,000,000) and 10 touches each: seconds, first build and unchanged rebuild",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    with django_database() as vendor:
        from django.utils import timezone

        from tandem.segments import services
        from tandem.segments.models import Segment

        now = timezone.now()
        made = data_ensure(contacts, now)
        for key, value in made.items():
            unit = "s" if key.endswith("seconds") else "rows"
            yield Figure(NAME, f"data_{key}", round(value, 2), unit)
        Segment.objects.filter(name=f"bench {NAME}").delete()
        segment = Segment.objects.create(name=f"bench {NAME}", rule=RULE)

        started, cpu = time.perf_counter(), time.process_time()
        first = services.segment_rebuild(segment=segment, now=now)
        first_seconds = time.perf_counter() - started
        first_cpu = time.process_time() - cpu

        started, cpu = time.perf_counter(), time.process_time()
        services.segment_rebuild(segment=segment, now=now)
        again_seconds = time.perf_counter() - started
        again_cpu = time.process_time() - cpu

        segment.delete()
        yield Figure(NAME, f"seconds_{vendor}", round(first_seconds, 3), "s")
        yield Figure(NAME, f"seconds_unchanged_{vendor}", round(again_seconds, 3), "s")
        if vendor == "sqlite":
            # SQLite works inside this process: its CPU time is the wall time on an idle core.
            yield Figure(NAME, "cpu_seconds_sqlite", round(first_cpu, 3), "s")
            yield Figure(NAME, "cpu_seconds_unchanged_sqlite", round(again_cpu, 3), "s")
        yield Figure(NAME, "members", first.size, "contacts")
