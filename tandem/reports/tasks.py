"""Background work of reports: heavy runs go to the worker, which reports progress on the run."""

from __future__ import annotations

from django_tasks import task

from tandem.reports.execution import report_execute
from tandem.reports.models import ReportRun


@task()
def report_run_task(run_id: int) -> None:
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is not None and not run.is_finished:
        report_execute(run=run)
