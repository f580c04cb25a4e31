"""Data for the segment benchmarks: a Django set-up against a chosen database, and synthetic
contacts and touches written by set-based SQL (seconds per million rows, not minutes).

Where the data lives:

* ``TANDEM_BENCH_DATABASE_URL=postgres://…`` — that PostgreSQL database (migrated; filled when
  it holds fewer contacts than asked for).
* ``TANDEM_BENCH_DATA_DIR=/path`` — the SQLite database ``/path/tandem.sqlite3`` (migrated;
  filled when needed, kept for the next run). Point it at a *copy* of a demo database to
  measure on the demo's contacts: touches are topped up to ten per contact.
* neither — a fresh SQLite database in a temporary folder, filled with ``--contacts`` contacts
  (default 1,000,000) and ten touches each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_CONTACTS = 1_000_000
TOUCHES_PER_CONTACT = 10
INDUSTRIES = ("Manufacturing", "Retail", "Logistics", "Energy", "Healthcare")
TITLES = (
    "VP Operations",
    "Plant Manager",
    "Engineer",
    "Head of Maintenance",
    "Buyer",
    "Director of Engineering",
    "Analyst",
)
# Touch kinds by share (percent): what a marketing database looks like.
KIND_SHARES = (
    ("email_sent", 35),
    ("email_open", 25),
    ("page_visit", 20),
    ("email_click", 8),
    ("form_submission", 3),
    ("call", 3),
    ("event", 2),
    ("meeting", 2),
    ("note", 2),
)
YEAR_SECONDS = 365 * 86_400


@contextmanager
def django_database() -> Iterator[str]:
    """Set Django up against the benchmark's database; yields its vendor."""
    pg_url = os.environ.get("TANDEM_BENCH_DATABASE_URL", "")
    folder = os.environ.get("TANDEM_BENCH_DATA_DIR", "")
    temporary = None
    if pg_url:
        os.environ["DATABASE_URL"] = pg_url
        temporary = tempfile.TemporaryDirectory(prefix="tandem-bench-")
        os.environ["TANDEM_DATA_DIR"] = temporary.name
    else:
        os.environ.pop("DATABASE_URL", None)
        if not folder:
            temporary = tempfile.TemporaryDirectory(prefix="tandem-bench-")
            folder = temporary.name
        os.environ["TANDEM_DATA_DIR"] = folder
    os.environ.pop("TANDEM_MODE", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    # Rebuilds run inline here; no worker is needed.
    os.environ["TANDEM_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1048576")  # KiB: 1 GB, as a server would give
            cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield connection.vendor
    finally:
        connection.close()
        if temporary is not None:
            temporary.cleanup()


def _now_sql(vendor: str, now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M:%S")


def _fill_columns(model: Any, given: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every concrete column of ``model``: the given SQL expression, else a safe constant."""
    from django.db import models

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.column in given:
            expression = given[f.column]
        elif f.null:
            expression = "NULL"
        elif f.has_default() and not callable(f.default):
            default = f.get_db_prep_value(f.default, connection=_connection())
            if isinstance(default, bool):
                expression = "TRUE" if default else "FALSE"
            elif isinstance(default, int | float):
                expression = str(default)
            else:
                expression = "'" + str(default).replace("'", "''") + "'"
        elif isinstance(f, models.CharField | models.TextField):
            expression = "''"
        elif isinstance(f, models.JSONField) and callable(f.default):
            # Custom field values (``custom``): an empty object, as the model's default.
            expression = "'" + json.dumps(f.default()).replace("'", "''") + "'"
        else:
            raise ValueError(f"no value for {model.__name__}.{f.name}")
        columns.append(f.column)
        values.append(expression)
    return columns, values


def _connection():
    from django.db import connection

    return connection


def _series(vendor: str, count: int) -> str:
    if vendor == "postgresql":
        return f"generate_series(1, {int(count)}) AS n(i)"
    return (
        "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "  # noqa: S608
        f"WHERE i < {int(count)}) SELECT i FROM s) AS n"
    )


def _random(vendor: str, modulo: int) -> str:
    if vendor == "postgresql":
        return f"floor(random() * {int(modulo)})::bigint"
    return f"(abs(random()) % {int(modulo)})"


def _timestamp(vendor: str, now: dt.datetime, seconds_ago: str) -> str:
    if vendor == "postgresql":
        return f"(TIMESTAMPTZ '{now.isoformat()}' - ({seconds_ago}) * INTERVAL '1 second')"
    start = _now_sql(vendor, now)
    return f"strftime('%Y-%m-%d %H:%M:%f', '{start}', '-' || ({seconds_ago}) || ' seconds')"


def contacts_generate(count: int, now: dt.datetime) -> float:
    """Add ``count`` accounts' worth of contacts (one account per 20); seconds taken."""
    from django.db import connection, transaction

    from tandem.people.models import Account, Contact

    vendor = connection.vendor
    started = time.perf_counter()
    accounts = max(1, count // 20)
    marker = int(time.time())
    stamp = _timestamp(vendor, now, _random(vendor, YEAR_SECONDS))
    industry = (
        "CASE n.i % 5 "
        + " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(INDUSTRIES))
        + " END"
    )
    cols, vals = _fill_columns(
        Account,
        {
            "name": f"'Bench account {marker}-' || n.i",
            "domain": "'bench' || n.i || '.test'",
            "industry": industry,
            "size_band": "'50-249'",
            "region": "'EMEA'",
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    title = (
        "CASE n.i % 7 " + " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(TITLES)) + " END"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO people_account ({', '.join(cols)}) "  # noqa: S608
                f"SELECT {', '.join(vals)} FROM {_series(vendor, accounts)}"
            )
        first_account = (
            Account.objects.filter(name__startswith=f"Bench account {marker}-")
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        ccols, cvals = _fill_columns(
            Contact,
            {
                "first_name": "'First' || n.i",
                "last_name": "'Last' || n.i",
                "email": f"'bench{marker}-' || n.i || '@bench.test'",
                "title": title,
                "account_id": f"{first_account} + (n.i % {accounts})",
                "audience_flags": "CASE WHEN n.i % 11 = 0 THEN 2 ELSE 1 END",
                "lifecycle_stage": "'lead'",
                "score": _random(vendor, 100),
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO people_contact ({', '.join(ccols)}) "  # noqa: S608
                f"SELECT {', '.join(cvals)} FROM {_series(vendor, count)}"
            )
    return time.perf_counter() - started


def touches_generate(count: int, now: dt.datetime) -> float:
    """Add ``count`` touches spread over every contact and the last year; seconds taken."""
    from django.db import connection, transaction

    from tandem.people.models import Contact, Touch

    vendor = connection.vendor
    started = time.perf_counter()
    low = Contact.objects.order_by("pk").values_list("pk", flat=True).first()
    high = Contact.objects.order_by("-pk").values_list("pk", flat=True).first()
    if low is None or high is None or count <= 0:
        return 0.0
    bound, kinds = 0, []
    for kind, share in KIND_SHARES:
        bound += share
        kinds.append(f"WHEN r.k < {bound} THEN '{kind}'")
    kind = "CASE " + " ".join(kinds) + " ELSE 'note' END"
    stamp = _timestamp(vendor, now, "r.s")
    cols, vals = _fill_columns(
        Touch,
        {
            # Contact ids may have gaps (a demo copy); the contact exists for dense id ranges,
            # which both the synthetic data and the demo have.
            "contact_id": f"{low} + r.c",
            "kind": kind,
            "channel": "'email'",
            "occurred_at": stamp,
            "created_at": stamp,
        },
    )
    span = high - low + 1

    def inner(rows: int) -> str:
        return (
            f"SELECT {_random(vendor, span)} AS c, {_random(vendor, 100)} AS k, "  # noqa: S608
            f"{_random(vendor, YEAR_SECONDS)} AS s FROM {_series(vendor, rows)}"
        )

    chunk_rows = 2_000_000
    with transaction.atomic(), _indexes_dropped("people_touch"):
        done = 0
        while done < count:
            rows = min(chunk_rows, count - done)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO people_touch ({', '.join(cols)}) "  # noqa: S608
                    f"SELECT {', '.join(vals)} FROM ({inner(rows)}) r"
                )
            done += rows
    if vendor == "postgresql":
        # What autovacuum would do a minute after a bulk load, done now so the measurement
        # does not depend on its timing: statistics for the planner, and the visibility map
        # that lets the touch index answer behaviour conditions without reading the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE people_touch")
            cursor.execute("VACUUM ANALYZE people_contact")
            cursor.execute("VACUUM ANALYZE people_account")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


@contextmanager
def _indexes_dropped(table: str) -> Iterator[None]:
    """Drop the table's secondary indexes for a bulk load and build them again after: one
    sorted build per index is far quicker than ten million random inserts into each."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are deferred; PostgreSQL builds no index while their checks
            # are pending in the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, sql in indexes:
            cursor.execute(sql)


def data_ensure(contacts: int, now: dt.datetime) -> dict[str, float]:
    """At least ``contacts`` contacts and ten touches each; what was generated, and how long."""
    from tandem.people.models import Contact, Touch

    made: dict[str, float] = {}
    have = Contact.objects.count()
    if have < contacts:
        made["contacts_seconds"] = contacts_generate(contacts - have, now)
        have = contacts
    touches = Touch.objects.count()
    wanted = have * TOUCHES_PER_CONTACT
    if touches < wanted:
        made["touches_seconds"] = touches_generate(wanted - touches, now)
    made["contacts"] = float(Contact.objects.count())
    made["touches"] = float(Touch.objects.count())
    return made


def server_cpu_seconds() -> float | None:
    """CPU seconds used so far by the database server's process serving this connection, when
    it runs on this machine (PostgreSQL on loopback); None for SQLite or a remote server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of /proc/PID/stat (12 and 13 after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
