"""Anonymous visits are kept for the retention period, then deleted by the clock's job."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.marketing import retention, tasks, tracking
from tandem.marketing.models import Visit
from tandem.ops import schedule
from tandem.people import services as people

NOW = timezone.make_aware(dt.datetime(2026, 6, 17, 10, 30))


def _visit(vid: str, days_ago: int) -> Visit:
    visit = tracking.visit_record(visitor_id=vid, url="https://acme.test/pricing")
    Visit.objects.filter(pk=visit.pk).update(visited_at=NOW - dt.timedelta(days=days_ago))
    return visit


def test_unjoined_visits_older_than_the_retention_go(cast, settings):
    settings.TANDEM_TRACKING_RETENTION_DAYS = 30
    old = _visit("anonymous-visitor-0001", 31)
    recent = _visit("anonymous-visitor-0001", 29)
    joined = _visit("known-visitor-000000001", 400)
    contact = people.contact_create(actor=cast.admin, email="kim@acme.test")
    tracking.visits_join(visitor_id="known-visitor-000000001", contact=contact)

    assert retention.visits_prune(now=NOW) == 1

    assert set(Visit.objects.values_list("pk", flat=True)) == {recent.pk, joined.pk}
    assert not Visit.objects.filter(pk=old.pk).exists()


def test_the_default_is_395_days_and_the_clock_runs_it_daily(db, settings):
    from tandem import settings as tandem_settings

    assert tandem_settings.TANDEM_TRACKING_RETENTION_DAYS == 395
    job = next(j for j in schedule.JOBS if j.name == "tracking_prune")
    assert (job.every, schedule._task(job.task)) == (schedule.DAY, tasks.tracking_prune)
    _visit("anonymous-visitor-0002", 396)
    _visit("anonymous-visitor-0003", 394)
    assert retention.visits_prune(now=NOW) == 1
