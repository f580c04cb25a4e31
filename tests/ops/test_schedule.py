"""The clock hands recurring jobs to the worker when due, once per interval however many run."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from tandem.ops import schedule
from tandem.ops.models import ScheduledRun
from tandem.sales.models import ForecastSnapshot

SNAPSHOT = schedule.Job(
    "forecast_snapshot", schedule.DAY, "tandem.sales.tasks:forecast_snapshot_task", "test"
)


def test_a_job_first_runs_one_interval_after_the_clock_first_sees_it(db):
    start = timezone.now()

    assert schedule.tick(now=start, jobs=(SNAPSHOT,)) == []
    assert schedule.tick(now=start + dt.timedelta(hours=23), jobs=(SNAPSHOT,)) == []
    assert not ForecastSnapshot.objects.exists()

    assert schedule.tick(now=start + dt.timedelta(days=1), jobs=(SNAPSHOT,)) == [
        "forecast_snapshot"
    ]
    assert ForecastSnapshot.objects.exists()  # the task ran (tests run tasks at once)


def test_two_clocks_at_the_same_moment_run_a_due_job_once(db):
    start = timezone.now()
    schedule.tick(now=start, jobs=(SNAPSHOT,))
    due = start + dt.timedelta(days=1, minutes=1)

    first = schedule.tick(now=due, jobs=(SNAPSHOT,))
    second = schedule.tick(now=due, jobs=(SNAPSHOT,))

    assert (first, second) == (["forecast_snapshot"], [])
    assert ScheduledRun.objects.get(name="forecast_snapshot").last_at == due


def test_every_scheduled_job_names_a_task_the_worker_can_run(db):
    for job in schedule.JOBS:
        assert hasattr(schedule._task(job.task), "enqueue"), job.name
    assert len({job.name for job in schedule.JOBS}) == len(schedule.JOBS)


def test_the_clock_command_ticks_once(db):
    call_command("clock", "--once", stdout=StringIO())

    assert set(ScheduledRun.objects.values_list("name", flat=True)) == {
        job.name for job in schedule.JOBS
    }
