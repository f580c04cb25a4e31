"""The pipeline board: the largest deals per stage, with a count of the rest."""

import datetime as dt
from decimal import Decimal

from tandem.core.periods import period_for
from tandem.dashboards import metrics
from tandem.handoff import services as handoff
from tandem.sales import services as sales
from tandem.sales.models import Deal


def test_board_shows_the_largest_deals_and_counts_the_rest(cast):
    for amount in range(1, 16):
        sales.deal_open(
            actor=cast.sales_rep, name=f"Deal {amount}", owner=cast.sales_rep, amount=amount
        )

    discovery = metrics.pipeline_board(user=cast.sales_rep, pipeline=sales.pipeline_default())[0]

    assert [d.amount for d in discovery.deals[:3]] == [Decimal(15), Decimal(14), Decimal(13)]
    assert (len(discovery.deals), discovery.count, discovery.hidden) == (12, 15, 3)
    assert discovery.amount == Decimal(120)
    assert discovery.weighted == Decimal("12.00")


def test_board_shows_only_deals_the_user_may_see(cast):
    sales.deal_open(actor=cast.sales_rep, name="Mine", owner=cast.sales_rep, amount=5)
    sales.deal_open(actor=cast.other_team_rep, name="Theirs", owner=cast.other_team_rep, amount=7)

    pipeline = sales.pipeline_default()

    mine = metrics.pipeline_board(user=cast.sales_rep, pipeline=pipeline)[0]
    everyone = metrics.pipeline_board(user=cast.leadership, pipeline=pipeline)[0]

    assert [d.name for d in mine.deals] == ["Mine"]
    assert everyone.count == 2


def test_monthly_trend_counts_each_step_of_the_relay_in_its_month(cast, mql):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount="900")

    (row,) = metrics.monthly_trend(period_for("12m"))
    assert (row.mqls, row.accepted, row.won, row.revenue) == (1, 1, 1, Decimal("900.00"))


def test_days_to_win_is_the_average_from_opening_to_winning(cast):
    for days in (10, 30):
        deal = sales.deal_open(actor=cast.sales_rep, name=f"D{days}", owner=cast.sales_rep)
        sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount="100")
        Deal.objects.filter(pk=deal.pk).update(created_at=deal.closed_at - dt.timedelta(days=days))

    numbers = metrics.sales_numbers(user=cast.sales_rep, period=period_for("quarter"))

    assert round(numbers.days_to_win, 6) == 20
