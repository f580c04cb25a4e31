"""Report runs: the cache window, failures kept with their reason, the campaign hook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.reports import selectors, services
from tandem.reports.analyses import FunnelReportInput, ProfitabilityReportInput
from tandem.reports.models import ReportRun


def test_the_same_input_within_the_window_reads_the_same_run(story, cast):
    first = services.report_run(actor=cast.marketer, analysis="funnel", params=FunnelReportInput())
    again = services.report_run(actor=cast.sales_rep, analysis="funnel", params=FunnelReportInput())
    other = services.report_run(
        actor=cast.marketer, analysis="funnel", params=FunnelReportInput(period="12m")
    )

    assert again.pk == first.pk
    assert other.pk != first.pk
    assert services.run_result(first).total.entered == 2


def test_a_run_finished_before_the_window_is_computed_again(story, cast, settings):
    settings.TANDEM_REPORTS_CACHE_SECONDS = 60
    first = services.report_run(actor=cast.marketer, analysis="funnel", params=FunnelReportInput())
    old = timezone.now() - dt.timedelta(seconds=61)
    ReportRun.objects.filter(pk=first.pk).update(created_at=old, finished_at=old)

    again = services.report_run(actor=cast.marketer, analysis="funnel", params=FunnelReportInput())

    assert again.pk != first.pk


def test_a_long_run_is_fresh_from_when_it_finished(story, cast, settings):
    settings.TANDEM_REPORTS_CACHE_SECONDS = 60
    first = services.report_run(actor=cast.marketer, analysis="funnel", params=FunnelReportInput())
    ReportRun.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=600)
    )

    again = services.report_run(actor=cast.marketer, analysis="funnel", params=FunnelReportInput())

    assert again.pk == first.pk


def test_an_analysis_that_cannot_run_fails_with_its_reason_and_is_not_cached(cast):
    # given no deals at all
    params = ProfitabilityReportInput()

    run = services.report_run(actor=cast.marketer, analysis="profitability", params=params)
    again = services.report_run(actor=cast.marketer, analysis="profitability", params=params)

    assert (run.status, run.error) == ("failed", "the deals table has no rows")
    assert services.run_result(run) is None
    assert again.pk != run.pk


def test_a_queued_run_is_done_by_the_worker(
    story, cast, settings, django_capture_on_commit_callbacks
):
    settings.TANDEM_REPORTS_INLINE_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run(
            actor=cast.marketer, analysis="funnel", params=FunnelReportInput()
        )

    run.refresh_from_db()
    assert (run.status, run.progress) == ("done", 100)
    assert services.run_result(run).total.entered == 2


def test_campaign_attributed_sums_the_pipeline_and_revenue_it_sourced(story):
    assert selectors.campaign_attributed(story.webinar.pk) == {
        "pipeline": Decimal("250.00"),
        "revenue": Decimal("1000.00"),
    }
    assert selectors.campaign_attributed(story.search.pk) == {
        "pipeline": Decimal("0"),
        "revenue": Decimal("400.00"),
    }


@pytest.mark.parametrize("role", ["employee"])
def test_a_run_is_read_only_by_who_may_read_its_report(story, cast, role):
    run = services.report_run(actor=cast.marketer, analysis="funnel", params=FunnelReportInput())

    with pytest.raises(Exception, match="may not view"):
        selectors.run_get_for_user(user=cast.by_role(role), run_id=run.pk)
    assert selectors.run_get_for_user(user=cast.sales_rep, run_id=run.pk) == run
