"""Reads of company exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tandem.access import policies
from tandem.exports.models import CompanyExport


def company_exports_for_user(*, user: Any) -> QuerySet[CompanyExport]:
    """The company exports the user may see, newest first."""
    return policies.visible(
        user, "company_export", CompanyExport.objects.select_related("requested_by")
    )


def company_export_get_for_user(*, user: Any, export_id: int) -> CompanyExport:
    return policies.get_visible(
        user, "company_export", CompanyExport.objects.select_related("requested_by"), export_id
    )
