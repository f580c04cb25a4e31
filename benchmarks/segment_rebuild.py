"""``segment-rebuild``: a full rebuild of a 3-condition segment over N contacts, 10 touches each.

The segment is the issue's: a field (the account's industry is Manufacturing), a behaviour
(opened an email in the last 30 days) and a score threshold (at least 50). Measured: the first
build from empty (every member inserted), and a rebuild with nothing to change (the steady
state of the sweep), each with ``segments.rebuild.segment_rebuild`` — one DELETE of the
difference and one INSERT…SELECT. See ``_segment_data`` for where the data lives
(``TANDEM_BENCH_DATA_DIR``, ``TANDEM_BENCH_DATABASE_URL``); without either, a temporary
SQLite database is filled with ``--contacts`` contacts (default 1,000,000).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark
from benchmarks._segment_data import (
    DEFAULT_CONTACTS,
    data_ensure,
    django_database,
    server_cpu_seconds,
)

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

        from tandem.segments import rebuild
        from tandem.segments.models import Segment

        now = timezone.now()
        made = data_ensure(contacts, now)
        for key, value in made.items():
            unit = "s" if key.endswith("seconds") else "rows"
            yield Figure(NAME, f"data_{key}", round(value, 2), unit)
        Segment.objects.filter(name=f"bench {NAME}").delete()
        segment = Segment.objects.create(name=f"bench {NAME}", rule=RULE)

        def timed(label: str) -> Iterator[Figure]:
            server = server_cpu_seconds()
            started, cpu = time.perf_counter(), time.process_time()
            result = rebuild.segment_rebuild(segment=segment, now=now)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            yield Figure(NAME, f"seconds{label}_{vendor}", round(wall, 3), "s")
            # SQLite works inside this process; PostgreSQL's share is its backend's CPU time.
            yield Figure(NAME, f"cpu_seconds{label}_{vendor}", round(cpu, 3), "s")
            after = server_cpu_seconds()
            if server is not None and after is not None:
                yield Figure(
                    NAME, f"server_cpu_seconds{label}_{vendor}", round(after - server, 3), "s"
                )
            members.append(result.size)

        members: list[int] = []
        yield from timed("")
        yield from timed("_unchanged")
        segment.delete()
        yield Figure(NAME, "load_average_1min", os.getloadavg()[0], "load")
        yield Figure(NAME, "members", members[0], "contacts")
