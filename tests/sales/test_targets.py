"""Quotas, the sales scorecards on the sprint clock, and the ramp of new reps."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tandem.core.periods import period_for
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.sales import scorecard
from tandem.sales import services as sales
from tandem.sales import target_services as targets
from tandem.sales.models import Deal


def _won(cast, owner, amount, *, cost=None, repeat=False):
    deal = sales.deal_open(actor=owner, name=f"Won {amount}", owner=owner, amount=amount)
    if cost is not None:
        Deal.objects.filter(pk=deal.pk).update(cost_amount=cost)
        deal.refresh_from_db()
    sales.deal_close_won(actor=owner, deal=deal)
    if repeat:
        Deal.objects.filter(pk=deal.pk).update(is_repeat_purchase=True)
    return deal


def test_a_manager_sets_quotas_and_a_rep_may_not(cast):
    month = timezone.localdate().replace(day=1)

    quota = targets.quota_set(
        actor=cast.sales_manager,
        user=cast.sales_rep,
        amount="10000",
        period_kind="month",
        period_start=month,
    )
    targets.quota_set(
        actor=cast.sales_manager,
        user=cast.sales_rep,
        amount="12000",
        period_kind="month",
        period_start=month,
    )

    quota.refresh_from_db()
    assert quota.amount == Decimal("12000.00")
    with pytest.raises(PermissionDenied):
        targets.quota_set(
            actor=cast.sales_rep,
            user=cast.sales_rep,
            amount="1",
            period_kind="month",
            period_start=month,
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period_kind": "year", "period_start": "2030-01-01"}, "period_kind"),
        ({"period_kind": "quarter", "period_start": "2030-02-01"}, "period_start"),
        ({"period_kind": "month", "period_start": "2030-02-01", "amount": "-5"}, "amount"),
    ],
)
def test_bad_quotas_name_the_field(cast, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        targets.quota_set(
            actor=cast.sales_manager, user=cast.sales_rep, **{"amount": "100", **kwargs}
        )

    assert list(exc.value.errors) == [field]


def test_scorecards_per_rep_and_team_with_margin_turnaround_and_attainment(cast, mql):
    quarter = period_for("quarter")
    start = timezone.localtime(quarter.start).date()
    targets.quota_set(
        actor=cast.sales_manager,
        user=cast.sales_rep,
        amount="10000",
        period_kind="quarter",
        period_start=start,
    )
    handed = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    Deal.objects.filter(pk=handed.pk).update(amount=3000, cost_amount=1800)
    handed.refresh_from_db()
    sales.deal_close_won(actor=cast.sales_rep, deal=handed)
    Lead.objects.filter(pk=mql.pk).update(handed_off_at=handed.closed_at - dt.timedelta(days=10))
    _won(cast, cast.sales_rep, 1000, repeat=True)
    lost = sales.deal_open(actor=cast.sales_rep, name="Lost", owner=cast.sales_rep, amount=9)
    sales.deal_close_lost(actor=cast.sales_rep, deal=lost, reason="price")
    _won(cast, cast.teammate_rep, 2000, cost=500)
    _won(cast, cast.other_team_rep, 7000)

    total, teams = scorecard.scorecards(user=cast.sales_manager, period=period_for("quarter"))

    (north,) = teams
    sam = next(c for c in north.members if c.name == str(cast.sales_rep))
    assert (sam.won, sam.lost, sam.revenue, sam.new_customers) == (2, 1, Decimal(4000), 1)
    assert round(sam.win_rate, 4) == round(2 / 3, 4)
    assert sam.average_size == Decimal(2000)
    assert round(sam.margin, 4) == 0.4  # (3000 − 1800) / 3000; the cost-less deal is left out
    assert round(sam.turnaround_days, 6) == 10
    assert (sam.quota, round(sam.attainment, 4)) == (Decimal("10000.00"), 0.4)
    assert (north.won, north.revenue) == (3, Decimal(6000))
    assert round(north.margin, 4) == round((5000 - 2300) / 5000, 4)
    assert total.revenue == Decimal(6000)  # the other team's win is not the manager's to see


def test_a_rep_sees_only_their_own_card(cast):
    _won(cast, cast.sales_rep, 100)
    _won(cast, cast.teammate_rep, 200)

    total, teams = scorecard.scorecards(user=cast.sales_rep, period=period_for("month"))

    assert [[c.name for c in t.members] for t in teams] == [[str(cast.sales_rep)]]
    assert total.revenue == Decimal(100)


def test_a_week_reads_its_share_of_the_month_quota(cast):
    week = period_for("week")
    kind, start, share = scorecard.quota_period(week)
    assert kind == "month"
    assert start == timezone.localtime(week.start).date().replace(day=1)
    assert share * 28 <= 7 <= share * 31


def test_the_ramp_measures_days_to_the_first_win(cast):
    today = timezone.localdate()
    cast.sales_rep.date_joined = timezone.now() - dt.timedelta(days=100)
    cast.sales_rep.save(update_fields=["date_joined"])
    cast.teammate_rep.date_joined = timezone.now() - dt.timedelta(days=130)
    cast.teammate_rep.save(update_fields=["date_joined"])
    deal = _won(cast, cast.sales_rep, 500)
    Deal.objects.filter(pk=deal.pk).update(closed_at=timezone.now() - dt.timedelta(days=25))

    ramps = {r.name: r for r in scorecard.ramp(user=cast.sales_manager, today=today)}

    sam, tara = ramps[str(cast.sales_rep)], ramps[str(cast.teammate_rep)]
    assert (sam.first_win_day, sam.status) == (75, "ahead")
    assert sam.won_by_day[2:4] == [(90, Decimal(500)), (120, Decimal(500))]
    assert (tara.first_win_day, tara.status) == (None, "behind")
