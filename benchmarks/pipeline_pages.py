"""``pipeline-pages``: server time and queries of the board and the deal list at 100,000 open deals.

Where the data lives:

* nothing set — a fresh SQLite data folder is migrated and ``--contacts N`` open deals
  (default 100,000; the option names the data size here) are synthesised across 30 reps in
  three teams;
* ``TANDEM_BENCH_DB=/path/to/tandem.sqlite3`` (for instance the 1,000,000-contact demo) —
  copied with SQLite's backup API (the original is never written), migrated, topped up;
* ``TANDEM_BENCH_DATA_DIR=/dir`` — ``/dir/tandem.sqlite3`` is used, filled and kept, so a
  second run skips the filling (with ``TANDEM_BENCH_DB`` too, the copy is made there once);
* ``TANDEM_BENCH_DATABASE_URL=postgres://…`` — that PostgreSQL database, migrated and topped up
  (``DATABASE_URL`` itself is ignored, so a test database is never filled by accident).

The open deals are topped up to N if there are fewer. Each page is requested in-process
through Django's test client (URL routing, middleware, the view, the queries and the template:
everything but the network) 30 times after one warm-up, as a rep (own scope), a sales manager
(team scope), leadership and an admin (everyone's deals); it reports p50 and p95 of the wall
time and of the process's CPU time in ms, and the queries per request (the same count on
every request, or the run fails). On SQLite the CPU time includes the database's work; on
PostgreSQL the server's work is only in the wall time. ``load_average`` is the 1-minute load
when the measuring starts (the machine is shared: wall time grows with it).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import Figure, benchmark

NAME = "pipeline-pages"
DEFAULT_DEALS = 100_000
RUNS = 30
REPO = Path(__file__).resolve().parent.parent
PAGES = {
    "board": "/sales/board/",
    "board_flagged": "/sales/board/?flagged=1",
    "list": "/sales/deals/?outcome=open",
    "list_last_page": "/sales/deals/?outcome=open&page=999999",
    "list_filtered": "/sales/deals/?outcome=open&flagged=1&forecast_category=pipeline",
}


@benchmark(
    NAME,
    "board and deal list with N open deals (default 100,000; TANDEM_BENCH_DB=prepared SQLite): "
    "p50/p95 ms and queries per page",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    deals = options.contacts or DEFAULT_DEALS
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as scratch:
        folder = Path(os.environ.get("TANDEM_BENCH_DATA_DIR") or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        source = os.environ.get("TANDEM_BENCH_DB")
        if source and not (folder / "tandem.sqlite3").exists():
            with (
                sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src,
                sqlite3.connect(folder / "tandem.sqlite3") as dst,
            ):
                src.backup(dst)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "TANDEM_MODE", "DJANGO_SETTINGS_MODULE")
        }
        env["TANDEM_DATA_DIR"] = str(folder)
        if os.environ.get("TANDEM_BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["TANDEM_BENCH_DATABASE_URL"]
        subprocess.run(  # noqa: S603 — our own interpreter and module, fixed arguments
            [sys.executable, "-m", "tandem.cli", "migrate", "--verbosity", "0"],
            env=env,
            cwd=REPO,
            check=True,
        )
        child = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "benchmarks.pipeline_pages", str(deals)],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
    for line in child.stdout.splitlines():
        if line.startswith("{"):
            data = json.loads(line)
            yield Figure(NAME, data["metric"], data["value"], data["unit"])


def _synthesise(target: int) -> int:
    """Top the open deals up to ``target``, spread over 30 reps in three teams; open deals."""
    import datetime as dt
    import random

    from django.utils import timezone

    from tandem.access.models import Team, User
    from tandem.access.roles import Role, TeamKind
    from tandem.sales.models import Deal, PipelineStage
    from tandem.sales.services import pipeline_default

    pipeline = pipeline_default()
    stages = list(pipeline.stages.filter(outcome=PipelineStage.Outcome.OPEN))
    open_now = Deal.objects.filter(stage__outcome=PipelineStage.Outcome.OPEN).count()
    reps = list(User.objects.filter(username__startswith="bench-rep-"))
    missing = max(target - open_now, 0)
    if not reps and missing:
        teams = [
            Team.objects.get_or_create(name=f"Bench {n}", defaults={"kind": TeamKind.SALES})[0]
            for n in range(3)
        ]
        reps = [
            User.objects.create(username=f"bench-rep-{i}", role=Role.SALES_REP, team=teams[i % 3])
            for i in range(30)
        ]
        User.objects.create(username="bench-manager", role=Role.SALES_MANAGER, team=teams[0])
    for username, role in (("bench-leadership", Role.LEADERSHIP), ("bench-admin", Role.ADMIN)):
        User.objects.get_or_create(username=username, defaults={"role": role})
    rng = random.Random(20261123)
    now = timezone.now()
    today = now.date()
    for start in range(0, missing, 5000):
        Deal.objects.bulk_create(
            Deal(
                name=f"Bench deal {start + i}",
                owner=rng.choice(reps),
                pipeline=pipeline,
                stage=rng.choice(stages),
                amount=rng.randint(500, 90_000),
                created_at=now - dt.timedelta(days=rng.randint(0, 200)),
                expected_close_on=today + dt.timedelta(days=rng.randint(-20, 120)),
                forecast_category=rng.choice(["pipeline", "best_case", "commit", "omitted"]),
                next_step=rng.choice(["", "Call", "Send proposal"]),
                next_step_due_on=today + dt.timedelta(days=rng.randint(-10, 14)),
            )
            for i in range(min(5000, missing - start))
        )
    return Deal.objects.filter(stage__outcome=PipelineStage.Outcome.OPEN).count()


def _people() -> dict:
    """Who asks for the pages: the synthetic users, else (a demo copy) the demo's own people.

    On a demo the rep is the one with the most open deals and the manager one of that rep's
    team, so both see a realistic share of the pipeline.
    """
    from django.db.models import Count, Q

    from tandem.access.models import User
    from tandem.access.roles import Role

    def named(username: str) -> User | None:
        return User.objects.filter(username=username).first()

    rep = named("bench-rep-0") or (
        User.objects.filter(role=Role.SALES_REP, is_active=True)
        .annotate(n=Count("deals", filter=Q(deals__stage__outcome="open")))
        .order_by("-n", "pk")
        .first()
    )
    assert rep is not None, "no sales rep to measure as"
    manager = named("bench-manager") or (
        User.objects.filter(role=Role.SALES_MANAGER, is_active=True, team_id=rep.team_id)
        .order_by("pk")
        .first()
    )
    assert manager is not None, "no sales manager in the rep's team"
    return {
        "rep": rep,
        "manager": manager,
        "leadership": User.objects.get(username="bench-leadership"),
        "admin": User.objects.get(username="bench-admin"),
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def _measure(target: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    open_deals = _synthesise(target)
    if connection.vendor == "postgresql":
        # What autovacuum does to a table after a bulk load (this server may run without it):
        # planner statistics, and the visibility map that lets counts read the index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sales_deal")
            cursor.execute("VACUUM ANALYZE access_user")
    print(json.dumps({"metric": "open_deals", "value": open_deals, "unit": "deals"}))
    print(json.dumps({"metric": "database", "value": 0, "unit": connection.vendor}))
    print(json.dumps({"metric": "load_average", "value": os.getloadavg()[0], "unit": "load"}))
    people = _people()
    for who, user in people.items():
        print(json.dumps({"metric": f"user_{who}", "value": user.pk, "unit": user.username}))
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        for page, url in PAGES.items():
            response = client.get(url)  # warm-up: caches, the default pipeline
            assert response.status_code == 200, (url, response.status_code)
            times, cpu, counts = [], [], set()
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                counts.add(len(queries))
            assert len(counts) == 1, (url, who, sorted(counts))  # a page's queries never vary
            # Wall time is what a user waits for; CPU time (SQLite runs in this process too)
            # is the same work without the waits of a machine shared with other jobs.
            for metric, value, unit in (
                (f"{page}_{who}_p50", _pct(times, 0.5), "ms"),
                (f"{page}_{who}_p95", _pct(times, 0.95), "ms"),
                (f"{page}_{who}_cpu_p50", _pct(cpu, 0.5), "ms"),
                (f"{page}_{who}_cpu_p95", _pct(cpu, 0.95), "ms"),
                (f"{page}_{who}_queries", len(queries), "queries"),
            ):
                print(json.dumps({"metric": metric, "value": value, "unit": unit}), flush=True)


if __name__ == "__main__":
    _measure(int(sys.argv[1]))
