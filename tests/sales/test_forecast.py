"""The forecast: weighted pipeline, category roll-ups, managers' calls, history, accuracy."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.sales import forecast
from tandem.sales import services as sales
from tandem.sales import target_services as targets


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def book(cast, month):
    """Four open deals expected this month, one won and one lost (the history)."""
    pipeline = sales.pipeline_default()
    stage = {s.name: s for s in pipeline.stages.all()}
    _, end = forecast.period_bounds("month", month)
    for name, amount, category, stage_name in (
        ("A", 1000, "commit", "Negotiation"),
        ("B", 2000, "best_case", "Proposal"),
        ("C", 4000, "pipeline", "Discovery"),
        ("D", 500, "omitted", "Negotiation"),
    ):
        deal = sales.deal_open(actor=cast.sales_rep, name=name, owner=cast.sales_rep, amount=amount)
        sales.deal_update(
            actor=cast.sales_rep, deal=deal, forecast_category=category, expected_close_on=end
        )
        if stage_name != "Discovery":
            sales.deal_move(actor=cast.sales_rep, deal=deal, stage_id=stage[stage_name].pk)
    won = sales.deal_open(actor=cast.sales_rep, name="W", owner=cast.sales_rep, amount=300)
    sales.deal_close_won(actor=cast.sales_rep, deal=won)
    lost = sales.deal_open(actor=cast.sales_rep, name="L", owner=cast.sales_rep, amount=50)
    sales.deal_close_lost(actor=cast.sales_rep, deal=lost, reason="timing")


def test_weighted_pipeline_and_rolled_up_categories(cast, book, month):
    f = forecast.forecast_for(user=cast.sales_rep, kind="month", start=month)

    assert f.won == Decimal(300)
    assert f.weighted == Decimal("1900.00")  # 1000×70% + 2000×40% + 4000×10%; D omitted
    assert (f.commit, f.best_case, f.pipeline, f.omitted) == (
        Decimal(1000),
        Decimal(3000),
        Decimal(7000),
        Decimal(500),
    )
    assert f.called == Decimal(1300)  # won + commit until a manager makes a call


def test_history_gives_an_expectation_with_an_interval(cast, book, month):
    f = forecast.forecast_for(user=cast.sales_rep, kind="month", start=month, today=month)

    # Discovery's history: W won, L lost → 50 %; only deal C sits in Discovery now.
    history = forecast.stage_history()
    discovery = sales.pipeline_default().stages.get(name="Discovery")
    assert history[discovery.pk].win_rate == 0.5
    days_left = (forecast.period_bounds("month", month)[1] - month).days + 1
    p = 0.5 * (1 - math.exp(-days_left / history[discovery.pk].days_to_win))
    spread = forecast.Z80 * math.sqrt(p * (1 - p) * 4000**2)
    assert f.history_expected == Decimal(str(round(300 + p * 4000, 2))).quantize(Decimal("0.01"))
    assert f.history_low == Decimal(str(round(300 + max(p * 4000 - spread, 0), 2))).quantize(
        Decimal("0.01")
    )
    assert float(f.history_high) == pytest.approx(300 + p * 4000 + spread, abs=0.01)
    assert f.history_low <= f.history_expected <= f.history_high


def test_a_manager_adjusts_the_forecast_with_a_reason(cast, book, month):
    targets.forecast_adjust(
        actor=cast.sales_manager,
        period_kind="month",
        period_start=month,
        amount="1500",
        reason="B signs before the holidays",
    )

    f = forecast.forecast_for(user=cast.sales_manager, kind="month", start=month)
    assert f.called == Decimal(1500)
    assert (f.adjustment.created_by, f.adjustment.reason) == (
        cast.sales_manager,
        "B signs before the holidays",
    )


def test_a_rep_may_not_adjust_and_a_call_needs_a_reason(cast, month):
    with pytest.raises(PermissionDenied):
        targets.forecast_adjust(
            actor=cast.sales_rep, period_kind="month", period_start=month, amount=1, reason="x"
        )
    with pytest.raises(InvalidInput) as exc:
        targets.forecast_adjust(
            actor=cast.sales_manager, period_kind="month", period_start=month, amount=1, reason=""
        )
    assert list(exc.value.errors) == ["reason"]


def test_snapshots_are_compared_with_what_closed_once_the_period_ends(cast, book, month):
    snapshot = targets.forecast_snapshot_take(period_kind="month")
    _, end = forecast.period_bounds("month", month)

    assert targets.forecast_snapshots_settle(today=end) == 0  # not over yet
    assert targets.forecast_snapshots_settle(today=end + dt.timedelta(days=1)) == 1

    snapshot.refresh_from_db()
    assert (snapshot.won_before, snapshot.commit, snapshot.called) == (
        Decimal(300),
        Decimal(1000),
        Decimal(1300),
    )
    assert snapshot.actual == Decimal(300)
    assert snapshot.accuracy == pytest.approx(300 / 1300)
    assert forecast.snapshots(kind="month") == [snapshot]


def test_the_forecast_page_shows_the_figures(cast, book, client_for):
    html = client_for(cast.sales_manager).get("/sales/forecast/?kind=month").content.decode()

    assert 'data-metric="weighted">1,900<' in html
    assert 'data-metric="best-case">3,000<' in html


def test_the_daily_command_snapshots_both_periods(cast, book):
    from io import StringIO

    from django.core.management import call_command

    from tandem.sales.models import ForecastSnapshot

    call_command("forecast_snapshot", stdout=StringIO())
    call_command("forecast_snapshot", stdout=StringIO())  # a rerun the same day updates

    assert sorted(ForecastSnapshot.objects.values_list("period_kind", flat=True)) == [
        "month",
        "quarter",
    ]
