"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.audit.models import AuditEntry


def entries_list(*, record_type: str = "") -> QuerySet[AuditEntry]:
    """Audit entries newest first (the model's order), of one record type if given."""
    entries = AuditEntry.objects.select_related("actor")
    if record_type:
        entries = entries.filter(record_type=record_type)
    return entries
