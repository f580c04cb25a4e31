"""Background work of exports: the worker builds a company export."""

from __future__ import annotations

from django_tasks import task

from tandem.exports.models import CompanyExport
from tandem.exports.runs import company_export_run


@task()
def company_export_task(export_id: int) -> None:
    export = CompanyExport.objects.filter(pk=export_id).first()
    if export is not None and not export.is_finished:
        company_export_run(export=export)
