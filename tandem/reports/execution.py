"""Computing one report run, in the request or in the worker, with its progress on the run.

Apart from the services so that the worker's task (which the services enqueue) can compute a
run without importing them back.
"""

from __future__ import annotations

import json

from django.utils import timezone

from tandem.analytics.errors import AnalyticsError
from tandem.reports.analyses import report_type
from tandem.reports.models import ReportRun

DONE, FAILED, RUNNING = ReportRun.Status.DONE, ReportRun.Status.FAILED, ReportRun.Status.RUNNING


def _progress(run: ReportRun):
    def report(percent: int, step: str) -> None:
        run.progress, run.step = percent, step
        ReportRun.objects.filter(pk=run.pk).update(progress=percent, step=step, status=RUNNING)

    return report


def report_execute(*, run: ReportRun) -> ReportRun:
    """Compute the run's report and keep its result (or the reason it failed) on the run."""
    kind = report_type(run.analysis)
    params = kind.input.model_validate(run.params)
    run.status = RUNNING
    run.save(update_fields=["status"])
    try:
        result = kind.compute(params, _progress(run))
    except AnalyticsError as error:
        run.status, run.error = FAILED, str(error)
    else:
        run.status, run.result = DONE, json.loads(result.model_dump_json())
    run.progress, run.step, run.finished_at = 100, "", timezone.now()
    run.save(update_fields=["status", "result", "error", "progress", "step", "finished_at"])
    return run
