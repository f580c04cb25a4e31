"""``export-contacts``: the contact list downloaded as CSV, 1,000,000 contacts, streamed.

The download goes through the real door (``exports.views.list_download`` for an admin, no
filter): the same selector as the page, ``values_list`` read in chunks, rows written by
``core.tables.csv_chunks`` into a ``StreamingHttpResponse`` whose body is read here as a server
would send it (and thrown away). Every contact has an owner, an account and two custom values,
so the joins and the custom columns are part of the work; creation times rise with ids, as
they do when rows are written by Tandem (the list is newest first). The target is 15 s;
memory must stay flat: the process's resident size is printed at 10 % and at 100 % of the
rows, with the peak.

Data: see ``_segment_data`` (``TANDEM_BENCH_DATA_DIR`` keeps a filled SQLite database between
runs, ``TANDEM_BENCH_DATABASE_URL`` uses PostgreSQL; without either, a temporary SQLite database
is filled with ``--contacts`` contacts, default 1,000,000, in set-based SQL).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark
from benchmarks._peak import CLEAR_REFS, _status_kib
from benchmarks._segment_data import DEFAULT_CONTACTS, contacts_generate, django_database

NAME = "export-contacts"
OWNERS = 12


def _contacts_ensure(count: int) -> dict[str, float]:
    """At least ``count`` contacts, each with an owner and two custom values."""
    from django.db import connection
    from django.utils import timezone

    from tandem.access.models import User
    from tandem.fields.models import CustomField
    from tandem.people.models import Contact

    made: dict[str, float] = {}
    have = Contact.objects.count()
    if have < count:
        made["data_contacts_seconds"] = contacts_generate(count - have, timezone.now())
    started = time.perf_counter()
    CustomField.objects.get_or_create(
        entity="contact", key="plants", defaults={"label": "Plants", "kind": "number"}
    )
    CustomField.objects.get_or_create(
        entity="contact", key="region_code", defaults={"label": "Region code", "kind": "text"}
    )
    owners = [
        User.objects.get_or_create(
            username=f"bench-rep-{n}", defaults={"first_name": "Rep", "last_name": str(n)}
        )[0].pk
        for n in range(OWNERS)
    ]
    low = min(owners)
    custom = """'{"plants": ' || (id % 500) || ', "region_code": "R' || (id % 40) || '"}'"""
    if connection.vendor == "postgresql":
        custom = f"({custom})::jsonb"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE people_contact SET owner_id = {low} + (id % {OWNERS}), "  # noqa: S608
            f"custom = {custom} WHERE owner_id IS NULL"
        )
        if cursor.rowcount:
            made["data_owners_seconds"] = time.perf_counter() - started
    newest = Contact.objects.order_by("-created_at", "-id").values_list("id", flat=True).first()
    highest = Contact.objects.order_by("-id").values_list("id", flat=True).first()
    if newest != highest:
        # The generator spreads creation times at random; a real contact's is the moment its
        # row was written, so ids and creation times rise together (as the list's order knows).
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            stamp = f"now() - ({highest} - id) * INTERVAL '1 second'"
        else:
            stamp = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ({highest} - id) || ' seconds')"
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE people_contact SET created_at = {stamp}")  # noqa: S608
        made["data_created_at_seconds"] = time.perf_counter() - started
    return made


def _rss_mb() -> tuple[float, float]:
    """The process's resident size now, and its peak since the reset, in MB."""
    return round(_status_kib("VmRSS") / 1024, 1), round(_status_kib("VmHWM") / 1024, 1)


@benchmark(
    NAME,
    "the contact list as CSV through the download door, N contacts (default 1,000,000): "
    "seconds, rows per second, resident memory at 10 % and 100 % (target 15 s, flat memory)",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    with django_database() as vendor:
        from django.test import RequestFactory

        from tandem.access.models import User
        from tandem.access.roles import Role
        from tandem.exports.views import list_download
        from tandem.people.models import Contact

        for metric, value in _contacts_ensure(contacts).items():
            yield Figure(NAME, metric, round(value, 2), "s")
        total = Contact.objects.count()
        admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
        if vendor == "sqlite":
            # Tandem's own page cache (settings: 64 MB), not the 1 GB the data set-up uses: the
            # memory figures are then the server's, and SQLite's cache cannot pass for growth.
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -65536")
                cursor.execute("PRAGMA shrink_memory")
        request = RequestFactory().get("/exports/lists/contacts.csv")
        request.user = admin
        with contextlib.suppress(OSError):
            CLEAR_REFS.write_text("5")
        before, _ = _rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        response = list_download(request, name="contacts", fmt="csv")
        rows, size, tenth = -1, 0, None
        for chunk in response.streaming_content:
            size += len(chunk)
            rows += chunk.count(b"\n")
            if tenth is None and rows >= total // 10:
                tenth = (_rss_mb(), time.perf_counter() - started)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        now, peak = _rss_mb()
        yield Figure(
            NAME, f"seconds_{vendor}", round(seconds, 2), "s", peer="target", peer_value=15
        )
        # The machine may be shared: the CPU time of this process is the work itself (SQLite
        # runs inside it; PostgreSQL's share is its server's).
        yield Figure(NAME, f"cpu_seconds_{vendor}", round(cpu, 2), "s")
        yield Figure(NAME, "load_average_1min", os.getloadavg()[0], "load")
        yield Figure(NAME, "rows", rows, "contacts")
        yield Figure(NAME, "rows_per_second", round(rows / seconds), "rows/s")
        yield Figure(NAME, "megabytes_written", round(size / 1e6, 1), "MB")
        yield Figure(NAME, "rss_before_mb", before, "MB")
        if tenth is not None:
            (rss, high), at = tenth
            yield Figure(NAME, "rss_at_10_percent_mb", rss, "MB")
            yield Figure(NAME, "peak_rss_at_10_percent_mb", high, "MB")
            yield Figure(NAME, "seconds_at_10_percent", round(at, 2), "s")
        yield Figure(NAME, "rss_at_100_percent_mb", now, "MB")
        yield Figure(NAME, "peak_rss_at_100_percent_mb", peak, "MB")
