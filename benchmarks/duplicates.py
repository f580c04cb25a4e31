"""``duplicates``: listing likely duplicates among N contacts (default 100,000) and their
accounts, and merging a pair.

Contacts as in the segment benchmarks (``_segment_data``: one account per 20, distinct names),
plus one look-alike per hundred contacts (the same name at the same account with a plus-tagged
address) and one look-alike account per hundred (the same name with " Inc"). Figures: the
seconds to list the contact duplicates and the account duplicates for an admin (every rule,
grouped by the database; the first run, then the median of three more), the groups found, and
the milliseconds of one merge (median of 20).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator

from benchmarks import Figure, benchmark
from benchmarks._segment_data import contacts_generate, django_database

NAME = "duplicates"
DEFAULT_CONTACTS = 100_000
MERGES = 20
RUNS = 3


def _look_alikes(every: int) -> None:
    from tandem.people.models import Account, Contact

    twins = [
        Contact(
            first_name=c.first_name,
            last_name=c.last_name,
            email=c.email.replace("@", "+crm@"),
            account_id=c.account_id,
        )
        for c in Contact.objects.filter(pk__in=range(1, Contact.objects.count(), every))
    ]
    Contact.objects.bulk_create(twins, batch_size=2000)
    Account.objects.bulk_create(
        [
            Account(name=f"{a.name} Inc", domain="")
            for a in Account.objects.filter(pk__in=range(1, Account.objects.count(), every))
        ],
        batch_size=2000,
    )


@benchmark(
    NAME,
    "list likely duplicate contacts and accounts among N contacts (default 100,000): "
    "seconds per list, groups found, milliseconds per merge",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    with django_database():
        from django.utils import timezone

        from tandem.access.models import User
        from tandem.access.roles import Role
        from tandem.people.duplicates import (
            account_duplicates_for_user,
            contact_duplicates_for_user,
        )
        from tandem.people.merge import contact_merge
        from tandem.people.models import Contact

        if Contact.objects.count() < contacts:
            contacts_generate(contacts - Contact.objects.count(), timezone.now())
            _look_alikes(100)
        admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
        yield Figure(NAME, "contacts", float(Contact.objects.count()), "contacts")
        for metric, finder in (
            ("contact_duplicates", contact_duplicates_for_user),
            ("account_duplicates", account_duplicates_for_user),
        ):
            seconds = []
            for _ in range(1 + RUNS):  # the first run reads the table from disk
                started = time.perf_counter()
                groups = finder(user=admin)
                seconds.append(time.perf_counter() - started)
            yield Figure(NAME, f"{metric}_first_seconds", round(seconds[0], 3), "s")
            yield Figure(NAME, f"{metric}_seconds", round(statistics.median(seconds[1:]), 3), "s")
            yield Figure(NAME, f"{metric}_groups", float(len(groups)), "groups")
        pairs = [g.records for g in contact_duplicates_for_user(user=admin)[:MERGES]]
        timings = []
        for kept, merged, *_ in pairs:
            started = time.perf_counter()
            contact_merge(user=admin, kept=kept, merged=merged)
            timings.append((time.perf_counter() - started) * 1000)
        if timings:
            yield Figure(NAME, "merge_ms_p50", round(statistics.median(timings), 1), "ms")
