"""``rescore-full``, ``rescore-one`` and ``predictive-train`` on a demo database.

Point ``TANDEM_BENCH_DB`` at a prepared demo SQLite file (e.g. the 1,000,000-contact one) to
measure on it (it is copied, never written); otherwise a demo of ``--contacts N`` (default
20,000) is generated first.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark
from benchmarks._handoff_data import demo_database
from benchmarks._peak import peak_memory

DEFAULT_CONTACTS = 20_000


@benchmark(
    "rescore-full",
    "set-based recompute of every contact's fit, engagement, score and grade: seconds "
    "(TANDEM_BENCH_DB=demo.sqlite3, or a fresh demo of --contacts N)",
)
def rescore_full(options: argparse.Namespace) -> Iterator[Figure]:
    with demo_database(options.contacts or DEFAULT_CONTACTS) as contacts:
        from tandem.handoff import rescoring, services

        timings, cpu, changed = [], [], []
        with peak_memory() as peak:
            for _ in range(2):
                started, cpu_started = time.perf_counter(), time.process_time()
                done = rescoring.rescore()
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                changed.append(len(done.changed_ids))
        seconds = statistics.median(timings)
        yield Figure("rescore-full", "seconds", round(seconds, 2), "s")
        yield Figure("rescore-full", "seconds_best", round(min(timings), 2), "s")
        # SQLite runs in this process: its CPU time is in here too.
        yield Figure("rescore-full", "cpu_seconds", round(statistics.median(cpu), 2), "s")
        yield Figure("rescore-full", "changed_first_run", changed[0], "contacts")
        yield Figure("rescore-full", "changed_second_run", changed[1], "contacts")
        yield Figure("rescore-full", "contacts", contacts, "contacts")
        yield Figure("rescore-full", "contacts_per_second", round(contacts / seconds), "contacts/s")
        yield Figure("rescore-full", "peak_memory", peak.step_mb, "MB")
        # The whole service as `tandem rescore` runs it: scores, then the hand-off of every
        # contact at the threshold without a waiting lead, then segments of changed contacts.
        started, cpu_started = time.perf_counter(), time.process_time()
        result = services.contacts_rescore_all()
        yield Figure(
            "rescore-full", "service_seconds", round(time.perf_counter() - started, 2), "s"
        )
        yield Figure(
            "rescore-full", "service_cpu_seconds", round(time.process_time() - cpu_started, 2), "s"
        )
        yield Figure("rescore-full", "service_handed_off", result["handed_off"], "leads")
        yield Figure("rescore-full", "load_average", _load(), "load")


def _load() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


@benchmark(
    "rescore-one",
    "one form submission logged, rescored and (at the threshold) routed: p50/p95 ms over 300 "
    "random contacts, each rolled back (TANDEM_BENCH_DB or --contacts N)",
)
def rescore_one(options: argparse.Namespace) -> Iterator[Figure]:
    with demo_database(options.contacts or DEFAULT_CONTACTS) as contacts:
        from django.db import transaction

        from tandem.handoff import services
        from tandem.people.models import Contact

        rng = random.Random(4)
        top = Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = [rng.randint(1, top) for _ in range(330)]
        timings, cpu_timings, handed_timings, routine_timings = [], [], [], []
        handed = 0
        for i, pk in enumerate(ids):
            contact = Contact.objects.select_related("account").filter(pk=pk).first()
            if contact is None:
                continue
            with transaction.atomic():
                leads_before = contact.leads.count()
                started, cpu_started = time.perf_counter(), time.process_time()
                services.touch_log(contact=contact, kind="form_submission", channel="webinar")
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                was_handed = contact.leads.count() > leads_before
                handed += was_handed
                transaction.set_rollback(True)
            if i >= 30:  # the first few warm the caches
                timings.append(elapsed * 1000)
                cpu_timings.append(cpu * 1000)
                (handed_timings if was_handed else routine_timings).append(cpu * 1000)

        def p95(values: list[float]) -> float:
            ordered = sorted(values)
            return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else 0.0

        yield Figure("rescore-one", "p50", round(statistics.median(timings), 2), "ms")
        yield Figure("rescore-one", "p95", round(p95(timings), 2), "ms")
        # CPU time of this process per touch (SQLite included): on a shared machine the wall
        # clock says more about the neighbours.
        yield Figure("rescore-one", "cpu_p50", round(statistics.median(cpu_timings), 2), "ms")
        yield Figure("rescore-one", "cpu_p95", round(p95(cpu_timings), 2), "ms")
        if routine_timings:
            yield Figure("rescore-one", "cpu_p95_no_hand_off", round(p95(routine_timings), 2), "ms")
        if handed_timings:
            yield Figure("rescore-one", "cpu_p95_hand_off", round(p95(handed_timings), 2), "ms")
        yield Figure("rescore-one", "handed_off_share", round(handed / len(ids), 3), "share")
        yield Figure("rescore-one", "contacts", contacts, "contacts")
        yield Figure("rescore-one", "load_average", _load(), "load")


@benchmark(
    "predictive-train",
    "fit and evaluate the predictive score on the demo's history: seconds, peak memory, AUC, "
    "lift over the rule score (TANDEM_BENCH_DB or --contacts N)",
)
def predictive_train(options: argparse.Namespace) -> Iterator[Figure]:
    with demo_database(options.contacts or DEFAULT_CONTACTS) as contacts:
        from django.db.models import Max

        from tandem.handoff import predictive
        from tandem.people.models import Touch

        # The demo's story ends at its newest touch; train as of then.
        now = Touch.objects.aggregate(at=Max("occurred_at"))["at"]
        with peak_memory() as peak:
            started = time.perf_counter()
            record = predictive.model_train(now=now)
            seconds = time.perf_counter() - started
        evaluation = record.evaluation
        yield Figure("predictive-train", "seconds", round(seconds, 2), "s")
        yield Figure("predictive-train", "peak_memory", peak.step_mb, "MB")
        yield Figure("predictive-train", "contacts", contacts, "contacts")
        yield Figure("predictive-train", "training_rows", record.training_rows, "rows")
        for key in ("auc", "rule_auc", "lift_over_rule", "top_decile_rate"):
            if evaluation.get(key) is not None:
                yield Figure("predictive-train", key, round(evaluation[key], 4), "ratio")
