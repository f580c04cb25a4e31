"""The merge rows of the permission-matrix test (``tests/access/test_permissions.py``).

Each cell is tried through the real selectors and services on two look-alike records, both
owned by whoever the cell names: *view* opens the merge preview (and the pair is then on the
user's duplicates list), *change* merges them.
"""

from __future__ import annotations

import itertools
from typing import Any

from tandem.people import duplicates, merge
from tandem.people import services as people
from tandem.people.models import Account, Contact

_serial = itertools.count(1)


def _contacts(w: Any, owner: Any) -> tuple[Contact, Contact]:
    n = next(_serial)
    return tuple(  # type: ignore[return-value]
        people.contact_create(
            actor=w.cast.admin,
            email=f"{who}{n}@twin.test",
            first_name="Twin",
            last_name=f"Probe{n}",
            owner=owner,
        )
        for who in ("one", "two")
    )


def _accounts(w: Any, owner: Any) -> tuple[Account, Account]:
    n = next(_serial)
    return tuple(  # type: ignore[return-value]
        people.account_create(actor=w.cast.admin, name=name, domain=f"twin{n}.test", owner=owner)
        for name in (f"Twin {n}", f"Twin {n} GmbH")
    )


def _listed(groups: list, pair: tuple) -> bool:
    return any({r.pk for r in pair} <= set(g.ids) for g in groups)


def merge_specs(Spec: Any) -> dict[tuple[str, str], Any]:  # noqa: N803 — a class
    return {
        ("contact_merge", "view"): Spec(
            _contacts,
            lambda w, a, p: duplicates.merge_preview(
                user=a, kind="contact", kept_id=p[0].pk, merged_id=p[1].pk
            ),
            lambda w, a, p: _listed(duplicates.contact_duplicates_for_user(user=a), p),
        ),
        ("contact_merge", "change"): Spec(
            _contacts,
            lambda w, a, p: merge.contact_merge(user=a, kept=p[0], merged=p[1]),
            lambda w, a, p: not Contact.objects.filter(pk=p[1].pk).exists(),
        ),
        ("account_merge", "view"): Spec(
            _accounts,
            lambda w, a, p: duplicates.merge_preview(
                user=a, kind="account", kept_id=p[0].pk, merged_id=p[1].pk
            ),
            lambda w, a, p: _listed(duplicates.account_duplicates_for_user(user=a), p),
        ),
        ("account_merge", "change"): Spec(
            _accounts,
            lambda w, a, p: merge.account_merge(user=a, kept=p[0], merged=p[1]),
            lambda w, a, p: not Account.objects.filter(pk=p[1].pk).exists(),
        ),
    }
