"""Running reports: answer from a fresh run when there is one, else run now or in the worker."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import BaseModel

from tandem.access import policies
from tandem.analytics.base import Params
from tandem.people.models import Touch
from tandem.reports.analyses import ALWAYS_IN_BACKGROUND, report_type
from tandem.reports.execution import report_execute
from tandem.reports.models import ReportRun
from tandem.reports.tasks import report_run_task

DONE, FAILED = ReportRun.Status.DONE, ReportRun.Status.FAILED
QUEUED = ReportRun.Status.QUEUED


def cache_seconds() -> int:
    return int(getattr(settings, "TANDEM_REPORTS_CACHE_SECONDS", 300))


def inline_rows() -> int:
    """Up to this many touches a report runs in the request; past it, in the worker."""
    return int(getattr(settings, "TANDEM_REPORTS_INLINE_ROWS", 300_000))


def input_key(analysis: str, params: Params) -> str:
    canonical = json.dumps(params.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(f"{analysis}\n{canonical}".encode()).hexdigest()


def _fresh(analysis: str, key: str) -> ReportRun | None:
    """The latest run of this input that finished in the cache window, or is still going."""
    since = timezone.now() - timedelta(seconds=cache_seconds())
    # A long run counts from when it finished: its result is as fresh as that.
    recent = Q(created_at__gte=since) | Q(finished_at__gte=since)
    return (
        ReportRun.objects.filter(recent, analysis=analysis, input_key=key)
        .exclude(status=FAILED)
        .order_by("-created_at", "-id")
        .first()
    )


def report_run(
    *, actor: Any, analysis: str, params: Params, refresh: bool = False, inline: bool | None = None
) -> ReportRun:
    """The run that answers ``params``: a fresh one from the cache, or a new one.

    A new run computes in this request when the data are small (or ``inline=True``), else it
    is queued for the worker and the caller shows its progress. ``refresh`` skips the cache and
    needs the ``create`` right on the report.
    """
    kind = report_type(analysis)
    resource = kind.resource_for(params)
    policies.require(actor, "view", resource)
    key = input_key(analysis, params)
    if refresh:
        policies.require(actor, "create", resource)
    else:
        cached = _fresh(analysis, key)
        if cached is not None:
            return cached
    run = ReportRun.objects.create(
        analysis=analysis,
        input_key=key,
        params=params.model_dump(mode="json"),
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    if inline is None:
        inline = analysis not in ALWAYS_IN_BACKGROUND and Touch.objects.count() <= inline_rows()
    if inline:
        report_execute(run=run)
    else:
        transaction.on_commit(lambda: report_run_task.enqueue(run.pk))
    return run


def run_result(run: ReportRun) -> BaseModel | None:
    """The typed result of a finished run, or None while it runs or when it failed."""
    if run.status != DONE or run.result is None:
        return None
    return report_type(run.analysis).result.model_validate(run.result)
