"""``segment-refresh``: keeping 50 dynamic segments fresh after one contact or touch changes.

Fifty segments of the shapes marketers build (fields, audience, stage, score, consent,
behaviour windows with counts, nested AND/OR groups, membership of another segment) are
evaluated for one contact by ``segments_refresh_for_contact`` — one query for all of them, then
the inserts and deletes of the difference. Measured over 200 contacts chosen at random: the
refresh alone, and a whole change as the app makes it (a touch recorded in a transaction, the
refresh running on commit). Data as in ``segment-rebuild`` (``_segment_data``); default
100,000 contacts (``--contacts``), ten touches each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark
from benchmarks._segment_data import (
    INDUSTRIES,
    data_ensure,
    django_database,
    server_cpu_seconds,
)

NAME = "segment-refresh"
DEFAULT_CONTACTS = 100_000
SAMPLES = 200
ACTIONS = ("opened_email", "clicked_email", "visited_page", "submitted_form", "any_touch")


def rules() -> list[dict]:
    """Fifty rules, deterministic, of the shapes a marketing team keeps."""
    out: list[dict] = []
    n = 0
    for industry in INDUSTRIES:
        for action in ACTIONS:
            out.append(
                {
                    "match": "all",
                    "conditions": [
                        {
                            "type": "account_field",
                            "field": "industry",
                            "op": "equals",
                            "value": industry,
                        },
                        {
                            "type": "behaviour",
                            "action": action,
                            "at_least": 1 + n % 3,
                            "within_days": (7, 30, 90)[n % 3],
                        },
                        {"type": "score", "op": "gte", "value": (20, 50, 70)[n % 3]},
                    ],
                }
            )
            n += 1
    for threshold in range(10, 100, 10):
        out.append(
            {
                "match": "any",
                "conditions": [
                    {
                        "match": "all",
                        "conditions": [
                            {"type": "score", "op": "gte", "value": threshold},
                            {"type": "consent", "channel": "email", "state": "granted"},
                        ],
                    },
                    {
                        "match": "all",
                        "conditions": [
                            {"type": "lifecycle_stage", "op": "in", "values": ["mql", "sal"]},
                            {
                                "type": "contact_field",
                                "field": "title",
                                "op": "contains",
                                "value": "vp",
                            },
                        ],
                    },
                ],
            }
        )
    for audience in ("customer", "prospect", "competitor", "partner", "media"):
        out.append(
            {
                "match": "all",
                "conditions": [
                    {"type": "audience", "op": "any_of", "values": [audience]},
                    {"type": "behaviour", "action": "any_touch", "within_days": 180},
                ],
            }
        )
    while len(out) < 49:
        out.append(
            {
                "match": "all",
                "conditions": [
                    {
                        "type": "contact_field",
                        "field": "title",
                        "op": "contains",
                        "value": ("manager", "director", "engineer", "buyer")[len(out) % 4],
                    },
                    {
                        "type": "behaviour",
                        "action": "clicked_email",
                        "at_least": 2,
                        "within_days": 60,
                    },
                ],
            }
        )
    return out


@benchmark(
    NAME,
    "refresh 50 dynamic segments after one contact/touch change over N contacts "
    "(default 100,000) and 10 touches each: milliseconds per change, p50/p95/p99, queries",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    with django_database() as vendor:
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from tandem.people import touches
        from tandem.people.hooks import INPUT_TOUCH
        from tandem.people.models import Contact
        from tandem.segments import services
        from tandem.segments.models import Segment, SegmentMember

        data_ensure(contacts, timezone.now())
        old = Segment.objects.filter(name__startswith="bench refresh ")
        SegmentMember.objects.filter(segment__in=old)._raw_delete("default")
        old.delete()
        made = [
            Segment.objects.create(name=f"bench refresh {n:02d}", rule=rule)
            for n, rule in enumerate(rules())
        ]
        made.append(
            Segment.objects.create(
                name="bench refresh 49",
                rule={
                    "match": "all",
                    "conditions": [
                        {"type": "segment", "op": "not_in", "segment": made[0].pk},
                        {"type": "score", "op": "gte", "value": 30},
                    ],
                },
            )
        )
        low, high = (
            Contact.objects.order_by("pk").values_list("pk", flat=True).first(),
            Contact.objects.order_by("-pk").values_list("pk", flat=True).first(),
        )
        rng = random.Random(7)
        ids = [rng.randint(low, high) for _ in range(SAMPLES)]
        ids = list(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True))
        services.segments_refresh_for_contact(ids[0])  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            services.segments_refresh_for_contact(ids[1])  # joins its segments: writes
        queries_writing = len(captured)
        with CaptureQueriesContext(connection) as captured:
            services.segments_refresh_for_contact(ids[1])  # settled: reads only
        queries_settled = len(captured)

        def measure(**kwargs: object) -> tuple[list[float], list[float], float | None]:
            wall, cpu = [], []
            server_before = server_cpu_seconds()
            for contact_id in ids:
                started, cpu_before = time.perf_counter(), time.process_time()
                services.segments_refresh_for_contact(contact_id, **kwargs)  # type: ignore[arg-type]
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_before) * 1000)
            server_after = server_cpu_seconds()
            # The server's clock ticks are 10 ms: only the mean over all samples means anything.
            server = (
                None
                if server_before is None or server_after is None
                else (server_after - server_before) * 1000 / len(ids)
            )
            return wall, cpu, server

        # Membership moves: first pass after the segments were made with no members.
        first = measure()
        refresh = measure()
        touch_only = measure(changed={INPUT_TOUCH})

        change_ms, change_queries = [], []
        for contact_id in ids:
            contact = Contact.objects.get(pk=contact_id)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured, transaction.atomic():
                touches.touch_record(contact=contact, kind="email_open", channel="email")
            change_ms.append((time.perf_counter() - started) * 1000)
            change_queries.append(len(captured))

        added = SegmentMember.objects.filter(segment__in=made).count()
        SegmentMember.objects.filter(segment__in=made)._raw_delete("default")
        Segment.objects.filter(pk__in=[s.pk for s in made]).delete()

    def pct(values: list[float], q: float) -> float:
        return round(sorted(values)[min(len(values) - 1, int(q * len(values)))], 2)

    def spread(metric: str, values: list[float]) -> Iterator[Figure]:
        if not values:
            return
        yield Figure(NAME, f"{metric}_p50_{vendor}", round(statistics.median(values), 2), "ms")
        yield Figure(NAME, f"{metric}_p95_{vendor}", pct(values, 0.95), "ms")
        yield Figure(NAME, f"{metric}_p99_{vendor}", pct(values, 0.99), "ms")

    # A refresh that writes memberships (the segments start empty): wall time.
    yield from spread("first_refresh_ms", first[0])
    yield from spread("first_refresh_cpu_ms", first[1])
    # The steady state: every segment evaluated, nothing or little to write.
    yield from spread("refresh_ms", refresh[0])
    # On SQLite all the work is in this process, so its CPU time is the wall time the refresh
    # would take on an idle machine; on PostgreSQL add the server's (its backend process).
    yield from spread("refresh_cpu_ms", refresh[1])
    if refresh[2] is not None:
        yield Figure(NAME, f"refresh_server_cpu_ms_mean_{vendor}", round(refresh[2], 2), "ms")
    # Told that a touch changed: segments of fields alone are skipped.
    yield from spread("touch_refresh_ms", touch_only[0])
    yield from spread("touch_refresh_cpu_ms", touch_only[1])
    # The whole change as the app makes it: a touch recorded (``people.touches.touch_record``, not
    # this app's code), the refresh on commit.
    yield from spread("touch_and_refresh_ms", change_ms)
    # Statements per refresh (on PostgreSQL, BEGIN/COMMIT are not statements Django counts).
    yield Figure(NAME, "queries_per_refresh_writing", queries_writing, "queries")
    yield Figure(NAME, "queries_per_refresh_settled", queries_settled, "queries")
    yield Figure(
        NAME, "queries_per_touch_and_refresh", round(statistics.median(change_queries)), "queries"
    )
    yield Figure(NAME, "load_average_1min", os.getloadavg()[0], "load")
    yield Figure(NAME, "segments", len(made), "segments")
    yield Figure(NAME, "contacts_sampled", len(ids), "contacts")
    yield Figure(NAME, "memberships_written", added, "rows")
