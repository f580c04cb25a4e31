"""The people's-rights rows of the permission-matrix test (``tests/access/test_permissions.py``).

*view* downloads everything held on a contact (the trail then records the download), *delete*
erases them (the contact is then anonymised)."""

from __future__ import annotations

import itertools
from typing import Any

from tandem.audit.models import AuditEntry
from tandem.people import services as people
from tandem.people.models import Contact
from tandem.privacy import services as privacy

_serial = itertools.count(1)


def _person(w: Any, owner: Any) -> Contact:
    return people.contact_create(
        actor=w.cast.admin,
        email=f"rights{next(_serial)}@people.test",
        first_name="Rita",
        owner=owner,
    )


def privacy_specs(Spec: Any) -> dict[tuple[str, str], Any]:  # noqa: N803 — a class
    return {
        ("contact_privacy", "view"): Spec(
            _person,
            lambda w, a, c: privacy.personal_data_export(actor=a, contact=c),
            lambda w, a, c: AuditEntry.objects.filter(
                record_id=str(c.pk), changes__has_key="personal_data_exported"
            ).exists(),
        ),
        ("contact_privacy", "delete"): Spec(
            _person,
            lambda w, a, c: privacy.contact_erase(actor=a, contact=c, confirm_email=c.email),
            lambda w, a, c: Contact.objects.get(pk=c.pk).first_name == "Erased",
        ),
    }
