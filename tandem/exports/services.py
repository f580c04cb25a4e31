"""The company export as a background job: asked for on the admin page, built by the worker
(``exports.runs``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.access import policies
from tandem.audit import events
from tandem.exports.models import CompanyExport
from tandem.exports.runs import company_export_path
from tandem.exports.tasks import company_export_task


def company_export_request(*, actor: Any, via: str = "ui") -> CompanyExport:
    """Ask for a company export; the worker builds it after commit."""
    policies.require(actor, "create", "company_export")
    with transaction.atomic():
        export = CompanyExport.objects.create(requested_by=actor)
        events.record_created(actor=actor, obj=export, via=via)
        transaction.on_commit(lambda: company_export_task.enqueue(export.pk))
    return export


def company_export_delete(*, actor: Any, export: CompanyExport, via: str = "ui") -> None:
    """Delete an export and its file."""
    policies.require(actor, "delete", "company_export", export)
    path = company_export_path(export)
    with transaction.atomic():
        events.record_deleted(actor=actor, obj=export, via=via)
        export.delete()
    if path is not None:
        path.unlink(missing_ok=True)
