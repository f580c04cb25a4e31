"""Media-mix model: carry-over and saturation shapes, recovery of planted truth, bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from tandem.analytics.adstock import adstocked, half_life, hill, lag_weights
from tandem.analytics.errors import EmptyInputError, FitDidNotConvergeError, InputError
from tandem.analytics.mmm import MMMInput, mmm_run
from tandem.analytics.mmm_simulation import PlantedChannel, simulate_weeks

PLANTED = (
    PlantedChannel("search", level=100, effect=300, decay=0.2, half_saturation=1.0, slope=1.2),
    PlantedChannel("tv", level=400, effect=500, decay=0.7, half_saturation=1.5, slope=1.0),
    PlantedChannel("social", level=60, effect=120, decay=0.5, half_saturation=0.8, slope=2.0),
)


def test_geometric_weights_add_up_to_one_and_halve_each_week():
    weights = lag_weights("geometric", np.array([0.5]), 30)

    assert weights[:3] == pytest.approx([0.5, 0.25, 0.125], abs=1e-8)
    assert weights.sum() == pytest.approx(1.0)


def test_weibull_shape_one_is_geometric():
    # Weekly increments of an exponential with scale λ are geometric with θ = e^{-1/λ}.
    weibull = lag_weights("weibull", np.array([1.0, 2.0]), 40)
    geometric = lag_weights("geometric", np.array([np.exp(-0.5)]), 40)

    assert weibull == pytest.approx(geometric, abs=1e-12)


def test_adstock_spreads_a_week_of_spend_and_keeps_its_total():
    spend = np.array([100.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])

    stock = adstocked(spend, lag_weights("geometric", np.array([0.5]), 11))

    assert stock[:3] == pytest.approx([50.0, 25.0, 12.5], rel=1e-3)
    assert stock.sum() == pytest.approx(100.0)


def test_hill_is_half_at_the_half_saturation_point():
    assert hill(np.array([0.0, 2.0, 6.0]), 2.0, 1.0) == pytest.approx([0.0, 0.5, 0.75])


def test_half_life_is_when_half_the_effect_is_delivered():
    # θ = 0.5: week 0 delivers exactly half.
    assert half_life(lag_weights("geometric", np.array([0.5]), 40)) == pytest.approx(1.0)
    # θ = 0: all in week 0, spread evenly in it: half by mid-week.
    assert half_life(lag_weights("geometric", np.array([0.0]), 40)) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def planted():
    # Three years of weekly data with 1 % noise on the outcome.
    return simulate_weeks(PLANTED, weeks=156, seed=1, noise=0.01)


@pytest.fixture(scope="module")
def geometric_fit(planted):
    spend, outcome, _ = planted
    return mmm_run(spend, outcome, MMMInput())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recovers_planted_roi_and_half_life_within_20_percent(seed):
    spend, outcome, truth = simulate_weeks(PLANTED, weeks=156, seed=seed, noise=0.01)

    result = mmm_run(spend, outcome, MMMInput())

    for channel in ("search", "tv", "social"):
        found = result.by_channel(channel)
        assert found.roi == pytest.approx(truth[channel]["roi"], rel=0.2), channel
        assert found.contribution == pytest.approx(truth[channel]["contribution"], rel=0.2)
        assert found.half_life_weeks == pytest.approx(truth[channel]["half_life_weeks"], rel=0.2)


def test_reports_fit_diagnostics(geometric_fit):
    diagnostics = geometric_fit.diagnostics

    assert geometric_fit.weeks == 156
    assert geometric_fit.first_week == dt.date(2022, 1, 3)
    assert diagnostics.converged
    assert diagnostics.r_squared > 0.9
    assert diagnostics.mape < 0.02  # the planted noise is 1 %
    assert abs(diagnostics.residual_autocorrelation) < 0.3
    assert 1.4 < diagnostics.durbin_watson < 2.6


def test_recovers_a_delayed_weibull_carry_over():
    channels = (
        PlantedChannel("events", level=200, effect=400, shape=2.5, scale=4.0, slope=1.0),
        PlantedChannel("search", level=100, effect=250, shape=1.0, scale=0.8, slope=1.0),
    )
    spend, outcome, truth = simulate_weeks(channels, weeks=156, seed=4, noise=0.01)

    result = mmm_run(spend, outcome, MMMInput(adstock="weibull"))

    events = result.by_channel("events")
    assert events.half_life_weeks == pytest.approx(truth["events"]["half_life_weeks"], rel=0.2)
    assert events.roi == pytest.approx(truth["events"]["roi"], rel=0.2)
    assert result.by_channel("search").roi == pytest.approx(truth["search"]["roi"], rel=0.2)


def test_a_fit_that_does_not_converge_returns_no_numbers(planted):
    spend, outcome, _ = planted

    with pytest.raises(FitDidNotConvergeError, match="did not converge"):
        mmm_run(spend, outcome, MMMInput(max_iterations=2, starts=1))


def weeks(count: int) -> list[dt.date]:
    return [dt.date(2024, 1, 1) + dt.timedelta(weeks=w) for w in range(count)]


def test_unknown_channels_are_named(planted):
    spend, outcome, _ = planted

    with pytest.raises(InputError, match="channels not in the given list: social, tv"):
        mmm_run(spend, outcome, MMMInput(channels=("search",)))


def test_negative_spend_is_an_error():
    spend = pa.table({"week": weeks(2), "channel": ["a", "a"], "spend": [10.0, -1.0]})
    outcome = pa.table({"week": weeks(2), "outcome": [1.0, 2.0]})

    with pytest.raises(InputError, match=r"1 row\(s\) with negative spend"):
        mmm_run(spend, outcome)


def test_a_gap_in_the_outcome_weeks_is_an_error():
    spend = pa.table({"week": weeks(3), "channel": ["a"] * 3, "spend": [10.0] * 3})
    outcome = pa.table({"week": [weeks(3)[0], weeks(3)[2]], "outcome": [1.0, 2.0]})

    with pytest.raises(InputError, match=r"1 week\(s\) .* have no outcome"):
        mmm_run(spend, outcome)


def test_too_few_weeks_is_an_error():
    spend = pa.table({"week": weeks(10), "channel": ["a"] * 10, "spend": [10.0] * 10})
    outcome = pa.table({"week": weeks(10), "outcome": np.arange(10.0)})

    with pytest.raises(InputError, match="too few"):
        mmm_run(spend, outcome)


def test_empty_spend_is_an_error():
    spend = pa.table(
        {
            "week": pa.array([], pa.date32()),
            "channel": pa.array([], pa.string()),
            "spend": pa.array([], pa.float64()),
        }
    )
    outcome = pa.table({"week": weeks(2), "outcome": [1.0, 2.0]})

    with pytest.raises(EmptyInputError):
        mmm_run(spend, outcome)


def test_days_count_for_the_week_starting_that_monday():
    # A Wednesday and a Sunday of the same week add up.
    days = [dt.date(2024, 1, 3), dt.date(2024, 1, 7)] + weeks(60)[1:]
    spend = pa.table({"week": days, "channel": ["a"] * 61, "spend": [5.0, 7.0] + [1.0] * 59})
    outcome = pa.table({"week": weeks(60), "outcome": np.linspace(10, 20, 60)})

    result = mmm_run(spend, outcome, MMMInput(seasonality_harmonics=0, starts=1))

    assert result.channels[0].spend == pytest.approx(12.0 + 59.0)
    assert result.weeks == 60
