"""Recurring work, handed to the task worker when due: what a cron table would otherwise do.

``tandem serve`` runs a clock (``tandem clock``) beside the worker; it ticks every 30 seconds
and enqueues each job whose interval has passed since its last run. A job is first run one
interval after a clock first sees it, so starting a server does not set off every job at once.
Several clocks may run (one per server): each due run is claimed by one conditional UPDATE,
and only the clock whose UPDATE moved ``last_at`` enqueues it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.db.models import Q
from django.utils import timezone

from tandem.ops.models import ScheduledRun


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    task: str  # "module.path:function", a django-tasks task
    why: str


MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)
JOBS = (
    Job("webhooks_send", MINUTE, "tandem.webhooks.tasks:deliveries_send",
        "webhook retries fall due with the clock; new deliveries are sent at once"),
    Job("sla_watch", 5 * MINUTE, "tandem.handoff.tasks:sla_watch",
        "warn reps before a first-touch promise breaks, notify at breach, reassign"),
    Job("segments_refresh", HOUR, "tandem.segments.tasks:segments_refresh_task",
        "time-window segments drop contacts whose behaviour aged out; size history"),
    Job("rate_counters_prune", HOUR, "tandem.access.tasks:rate_counters_prune",
        "the rate-limit counters of ended windows would otherwise pile up for ever"),
    Job("scores_recompute", DAY, "tandem.handoff.tasks:scores_recompute",
        "engagement decays with time even without new touches"),
    Job("digests_send", DAY, "tandem.collaboration.tasks:digests_send",
        "the daily digest of unread notifications"),
    Job("forecast_snapshot", DAY, "tandem.sales.tasks:forecast_snapshot_task",
        "today's forecast kept, ended periods compared with what closed"),
    Job("nurture_due", DAY, "tandem.handoff.tasks:nurture_due",
        "recycled contacts whose nurture date has passed return to marketing's leads"),
    Job("tracking_prune", DAY, "tandem.marketing.tasks:tracking_prune",
        "anonymous visits never joined to a contact are kept only for the retention period"),
    Job("predictive_retrain", 7 * DAY, "tandem.handoff.tasks:predictive_retrain",
        "the predictive score learns from the latest history"),
)  # fmt: skip


def _task(path: str) -> Any:
    module, name = path.split(":")
    return getattr(import_module(module), name)


def tick(*, now: dt.datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[str]:
    """Enqueue every job that is due; the names of those this clock enqueued."""
    now = now or timezone.now()
    known = dict(
        ScheduledRun.objects.filter(name__in=[j.name for j in jobs]).values_list("name", "last_at")
    )
    started = []
    for job in jobs:
        if job.name not in known:
            # First sight: the first run is one interval from now.
            ScheduledRun.objects.get_or_create(name=job.name, defaults={"last_at": now})
            continue
        claimed = (
            ScheduledRun.objects.filter(name=job.name)
            .filter(Q(last_at__lte=now - job.every))
            .update(last_at=now)
        )
        if claimed:
            _task(job.task).enqueue()
            started.append(job.name)
    return started
