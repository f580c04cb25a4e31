"""The imports rows of the permission-matrix test (``tests/access/test_permissions.py``).

Each cell is tried through the real services and selectors; a job belongs to the person who
uploaded it. The data folder is the test settings' own (a job's file is only read when asked).
"""

from __future__ import annotations

import io
from typing import Any

from tandem.imports import selectors, services
from tandem.imports.models import ImportJob

KINDS = {"contact_import": "contacts", "account_import": "accounts", "deal_import": "deals"}
HEADERS = {"contacts": "Email", "accounts": "Name", "deals": "Deal Name"}
TARGETS = {"contacts": "email", "accounts": "name", "deals": "name"}


def import_specs(Spec: Any) -> dict[tuple[str, str], Any]:  # noqa: N803 — a class
    specs: dict[tuple[str, str], Any] = {}
    for resource, kind in KINDS.items():
        header = HEADERS[kind]

        def a_job(w, owner, kind=kind, header=header) -> ImportJob:
            return ImportJob.objects.create(
                object_type=kind, filename="probe.csv", headers=[header], created_by=owner
            )

        specs[(resource, "view")] = Spec(
            a_job,
            lambda w, a, r: selectors.import_job_get_for_user(a, r.pk),
            lambda w, a, r: selectors.import_jobs_for_user(a).filter(pk=r.pk).exists(),
        )
        specs[(resource, "create")] = Spec(
            lambda w, owner: None,
            lambda w, a, _, kind=kind, header=header: services.import_upload(
                user=a,
                file=io.BytesIO(f"{header}\r\nProbe@x.test\r\n".encode()),
                filename="probe.csv",
                object_type=kind,
            ),
            lambda w, a, _, kind=kind: ImportJob.objects.filter(
                object_type=kind, filename="probe.csv"
            ).exists(),
            whose=("any",),
        )
        specs[(resource, "change")] = Spec(
            a_job,
            lambda w, a, r, header=header, kind=kind: services.import_configure(
                user=a, job=r, mapping={header: TARGETS[kind]}
            ),
            lambda w, a, r: ImportJob.objects.get(pk=r.pk).status == "configured",
        )
    return specs
