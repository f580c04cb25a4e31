"""The demo shows the sales workspace populated."""

import datetime as dt

from tandem.demo.extras import extras_run
from tandem.demo.extras.context import DemoContext
from tandem.demo.generator import demo_generate
from tandem.sales.models import (
    Activity,
    CommitteeMember,
    Deal,
    FitReview,
    ForecastSnapshot,
    Pipeline,
    PlaybookAnswer,
    Quota,
)

NOW = dt.datetime(2026, 5, 20, 15, 30, tzinfo=dt.UTC)


def test_the_demo_fills_the_sales_workspace(db):
    demo_generate(seed=7, contacts=300, months=18, now=NOW)

    assert list(Pipeline.objects.values_list("name", flat=True)) == ["New business", "Renewals"]
    assert Deal.objects.filter(pipeline__name="Renewals").exists()
    open_deals = Deal.objects.filter(stage__outcome="open")
    assert open_deals.exclude(next_step="").exists() and open_deals.filter(next_step="").exists()
    assert open_deals.filter(forecast_category="commit").exists()
    # The open lists read the stored flag: the demo's won and lost deals must not carry it.
    assert Deal.objects.exclude(stage__outcome="open").exists()
    assert set(Deal.objects.filter(still_open=True)) == set(open_deals)
    assert CommitteeMember.objects.exists() and PlaybookAnswer.objects.exists()
    assert Activity.objects.filter(done_at__isnull=True).exists()
    assert Quota.objects.filter(team__isnull=False).exists()
    assert sorted(FitReview.objects.values_list("status", flat=True)) == [
        "approved_with_conditions",
        "declined",
        "open",
        "open",
    ]
    settled = ForecastSnapshot.objects.filter(actual__isnull=False)
    assert settled.count() == ForecastSnapshot.objects.count() == 7
    assert all(s.accuracy is not None for s in settled if s.called)


def test_a_second_run_adds_nothing_twice(db):
    demo_generate(seed=7, contacts=300, months=18, now=NOW)

    before = (CommitteeMember.objects.count(), Quota.objects.count(), FitReview.objects.count())
    extras_run(DemoContext(seed=7, contacts=300, months=18, now=NOW))

    assert (
        CommitteeMember.objects.count(),
        Quota.objects.count(),
        FitReview.objects.count(),
    ) == before
