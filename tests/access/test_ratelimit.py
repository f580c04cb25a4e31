"""Rate counters of ended windows are pruned by the clock; live ones are kept."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.access.models import RateCounter
from tandem.ops import schedule

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
PRUNE = next(job for job in schedule.JOBS if job.name == "rate_counters_prune")


@pytest.fixture
def pinned_now(monkeypatch):
    # The task runs without arguments and reads the time itself.
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_the_clock_prunes_hourly(db):
    assert PRUNE.every == schedule.HOUR


def test_a_run_of_the_clocks_job_removes_ended_counters_and_keeps_live_ones(db, pinned_now):
    RateCounter.objects.create(key="form:1", window_start=NOW - dt.timedelta(days=2), hits=9)
    RateCounter.objects.create(key="form:1", window_start=NOW - dt.timedelta(hours=25), hits=3)
    RateCounter.objects.create(key="form:1", window_start=NOW - dt.timedelta(minutes=30), hits=2)
    RateCounter.objects.create(key="login:x", window_start=NOW - dt.timedelta(hours=23), hits=1)
    schedule.tick(now=NOW - schedule.HOUR, jobs=(PRUNE,))

    assert schedule.tick(now=NOW, jobs=(PRUNE,)) == ["rate_counters_prune"]

    assert sorted(RateCounter.objects.values_list("key", "hits")) == [
        ("form:1", 2),
        ("login:x", 1),
    ]


def test_a_lockout_longer_than_a_day_keeps_its_counters(db, pinned_now, settings):
    settings.TANDEM_LOGIN_LOCKOUT_SECONDS = 3 * 24 * 3600
    RateCounter.objects.create(key="login:x", window_start=NOW - dt.timedelta(days=2), hits=4)
    RateCounter.objects.create(key="login:y", window_start=NOW - dt.timedelta(days=4), hits=4)

    schedule.tick(now=NOW - schedule.HOUR, jobs=(PRUNE,))
    schedule.tick(now=NOW, jobs=(PRUNE,))

    assert list(RateCounter.objects.values_list("key", flat=True)) == ["login:x"]
