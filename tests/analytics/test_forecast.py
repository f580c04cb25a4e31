"""Pipeline forecast: hand-checked chances, Monte Carlo intervals, and a backtest on known truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from tandem.analytics.errors import EmptyInputError, InputError
from tandem.analytics.forecast import ForecastInput, forecast_backtest, forecast_run
from tandem.analytics.forecast_deals import (
    ClosedDeal,
    OpenDeal,
    StageVisit,
    forecast_deals,
    visits_table,
)

AS_OF = dt.datetime(2025, 6, 30)


def proposal(days: float, won: bool, amount: float = 0.0) -> ClosedDeal:
    return ClosedDeal(path=(StageVisit(stage="proposal", days=days),), won=won, amount=amount)


HISTORY = [proposal(10, True), proposal(20, True), proposal(40, True), proposal(5, False)]


def params(**changes) -> ForecastInput:
    return ForecastInput(**{"as_of": AS_OF, "horizon_days": 30, "min_history": 1, **changes})


def test_a_fresh_deal_wins_like_the_history_of_its_stage():
    # Of 4 proposals, 2 were won within 30 days of entering the stage.
    result = forecast_deals([OpenDeal(stage="proposal", amount=100, age_days=0)], HISTORY, params())

    assert result.expected_amount == pytest.approx(50.0)
    assert result.expected_wins == pytest.approx(0.5)
    assert result.stages[0].history_deals == 4
    assert (result.low, result.high) == (0.0, 100.0)


def test_an_older_deal_is_compared_with_the_deals_that_stayed_as_long():
    # Aged 8 days: the lost deal (5 days) is out; of 10, 20, 40 days, 10 and 20 close by 38.
    result = forecast_deals([OpenDeal(stage="proposal", amount=90, age_days=8)], HISTORY, params())

    assert result.expected_amount == pytest.approx(60.0)


def test_a_deal_older_than_its_history_is_capped_at_the_min_history_longest_stay():
    # min_history=2: the two longest stays are 40 and 20 days, so age 100 is read as age 20;
    # both of those were won within 20 + 30 days.
    deal = OpenDeal(stage="proposal", amount=10, age_days=100)

    result = forecast_deals([deal], HISTORY, params(min_history=2))

    assert result.expected_amount == pytest.approx(10.0)


def test_dwell_is_time_in_the_stage_not_time_to_close():
    # Two deals went proposal → negotiation; one stayed 2 days in proposal, one 12.
    history = [
        ClosedDeal(
            path=(StageVisit(stage="proposal", days=2), StageVisit(stage="negotiation", days=50)),
            won=True,
        ),
        ClosedDeal(
            path=(StageVisit(stage="proposal", days=12), StageVisit(stage="negotiation", days=3)),
            won=True,
        ),
    ]
    deal = OpenDeal(stage="proposal", amount=100, age_days=5)

    result = forecast_deals([deal], history, params())

    # Only the second stayed 5 days; it closed 15 days after entering: within 5 + 30.
    assert result.expected_amount == pytest.approx(100.0)


def test_many_deals_give_an_interval_around_the_expectation():
    deals = [OpenDeal(stage="proposal", amount=100, age_days=0)] * 400

    result = forecast_deals(deals, HISTORY, params(simulations=20_000, seed=3))

    # 400 coin flips of 100: mean 20,000, sd 1,000; the 80 % interval is ±1.28 sd.
    assert result.expected_amount == pytest.approx(20_000.0)
    assert result.low == pytest.approx(20_000 - 1_282, abs=150)
    assert result.high == pytest.approx(20_000 + 1_282, abs=150)
    assert result.median == pytest.approx(20_000, abs=100)


def test_the_draws_repeat_for_a_seed():
    deals = [OpenDeal(stage="proposal", amount=a, age_days=0) for a in range(1, 60)]

    first = forecast_deals(deals, HISTORY, params(seed=5))
    second = forecast_deals(deals, HISTORY, params(seed=5))

    assert (first.low, first.high) == (second.low, second.high)


def test_an_open_deal_in_a_stage_without_history_is_an_error_or_skipped():
    deals = [
        OpenDeal(stage="proposal", amount=100, age_days=0),
        OpenDeal(stage="discovery", amount=7, age_days=0),
    ]

    with pytest.raises(InputError, match="discovery"):
        forecast_deals(deals, HISTORY, params())
    result = forecast_deals(deals, HISTORY, params(unseen_stages="skip"))

    assert result.skipped_deals == 1
    assert result.expected_amount == pytest.approx(50.0)


def test_a_stage_outside_the_known_list_is_an_error():
    deals = [OpenDeal(stage="proposal", amount=1, age_days=0)]

    with pytest.raises(InputError, match="stages not in the given list: proposal"):
        forecast_deals(deals, HISTORY, params(stages=("discovery",)))


def test_no_deals_is_an_error():
    with pytest.raises(EmptyInputError):
        forecast_deals([], [], params())


def bad_table(**column) -> pa.Table:
    table = visits_table([OpenDeal(stage="proposal", amount=1, age_days=0)], HISTORY, AS_OF)
    for name, values in column.items():
        index = table.column_names.index(name)
        table = table.set_column(index, name, pa.array(values, table.schema.field(name).type))
    return table


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("amount", [1.0, 1.0, 1.0, -1.0, 1.0], "1 row(s) with negative amount"),
        ("outcome", ["won", "won", "won", "maybe", None], "1 row(s) with unknown outcome"),
        (
            "closed_at",
            [AS_OF, AS_OF, AS_OF, dt.datetime(2000, 1, 1), None],
            "1 row(s) with closed before entered",
        ),
        ("closed_at", [AS_OF, AS_OF, AS_OF, None, None], "1 row(s) with outcome without closed at"),
    ],
    ids=["negative-amount", "unknown-outcome", "out-of-order", "outcome-without-close"],
)
def test_bad_rows_are_named(column, values, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        forecast_run(bad_table(**{column: values}), params())


def test_missing_columns_are_named():
    table = visits_table([], HISTORY, AS_OF).drop_columns(["closed_at"])

    with pytest.raises(InputError, match="closed_at"):
        forecast_run(table, params())


def simulated_visits(deals: int, seed: int) -> tuple[pa.Table, float, float]:
    """Deals arriving over two years through qualify → proposal → won/lost, memoryless times.

    From proposal a deal closes after Exp(mean 20 days), won with chance 0.6; so a deal in
    proposal at any age is won within 30 days with chance 0.6 · (1 − e^{-30/20}).
    """
    rng = np.random.default_rng(seed)
    start = dt.datetime(2023, 1, 1)
    arrive = rng.uniform(0, 730, deals)
    qualify = rng.exponential(10, deals)
    to_proposal = rng.random(deals) < 0.5
    proposal_days = rng.exponential(20, deals)
    won = to_proposal & (rng.random(deals) < 0.6)
    amount = rng.gamma(2.0, 500.0, deals).round(2)
    rows: dict[str, list] = {
        k: [] for k in ("deal_id", "stage", "entered_at", "amount", "outcome", "closed_at")
    }
    end = 730.0
    for i in range(deals):
        closes = arrive[i] + qualify[i] + (proposal_days[i] if to_proposal[i] else 0.0)
        is_closed = closes <= end
        visits = [("qualify", arrive[i])]
        if to_proposal[i]:
            visits.append(("proposal", arrive[i] + qualify[i]))
        for stage, moment in visits:
            if moment > end:
                continue
            rows["deal_id"].append(i)
            rows["stage"].append(stage)
            rows["entered_at"].append(start + dt.timedelta(days=float(moment)))
            rows["amount"].append(float(amount[i]))
            rows["outcome"].append(("won" if won[i] else "lost") if is_closed else None)
            rows["closed_at"].append(
                start + dt.timedelta(days=float(closes)) if is_closed else None
            )
    return pa.table(rows), 0.6 * (1 - np.exp(-30 / 20)), 0.5 * 0.6


def test_on_simulated_history_the_chance_in_proposal_matches_the_truth():
    table, truth, _ = simulated_visits(6_000, seed=11)

    result = forecast_run(
        table, ForecastInput(as_of=dt.datetime(2024, 9, 1), horizon_days=30, min_history=30)
    )

    proposal_stage = next(s for s in result.stages if s.stage == "proposal")
    assert proposal_stage.expected_wins / proposal_stage.open_deals == pytest.approx(truth, rel=0.1)


def test_backtest_intervals_cover_about_as_often_as_they_say():
    table, _, _ = simulated_visits(6_000, seed=12)
    dates = [dt.datetime(2023, 9, 1) + dt.timedelta(days=14 * k) for k in range(20)]

    backtest = forecast_backtest(
        table, dates, ForecastInput(horizon_days=30, interval=0.8, min_history=30)
    )

    assert len(backtest.points) == 20
    assert 0.6 <= backtest.coverage <= 1.0
    assert backtest.mean_absolute_percentage_error < 0.25
    assert abs(backtest.bias) < 0.1 * np.mean([p.actual_amount for p in backtest.points])
