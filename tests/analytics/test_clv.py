"""Repeat sales: BG/NBD and Gamma-Gamma against the published CDNOW fits and lifetimes."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv
import pytest

from tandem.analytics.clv import CLVInput, bgnbd, clv_run, gamma_gamma
from tandem.analytics.clv.simulate import Truth, simulate_histories
from tandem.analytics.errors import EmptyInputError, FitDidNotConvergeError, InputError


def cdnow_file(name: str) -> Path:
    """A CDNOW data file shipped by the ``lifetimes`` package (a dev dependency)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (dev dependency) ships the CDNOW data")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / name


@pytest.fixture(scope="module")
def cdnow_summary() -> pa.Table:
    """Fader, Hardie & Lee's 2,357 CDNOW customers: x, t_x and T in weeks, zbar in dollars."""
    return csv.read_csv(cdnow_file("cdnow_customers_summary_with_transactions.csv"))


@pytest.fixture(scope="module")
def cdnow_purchases() -> pa.Table:
    """The CDNOW sample's 6,919 purchases: customer, day, quantity, dollars."""
    rows = [line.split() for line in cdnow_file("CDNOW_sample.txt").read_text().splitlines()]
    return pa.table(
        {
            "customer_id": [int(row[1]) for row in rows],
            "purchased_at": [dt.datetime.strptime(row[2], "%Y%m%d") for row in rows],
            "amount": [float(row[4]) for row in rows],
        }
    )


def column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(), dtype=float)


def test_bgnbd_matches_the_published_cdnow_fit(cdnow_summary):
    # Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    x, t_x, T = (column(cdnow_summary, name) for name in ("x", "t_x", "T"))

    fit = bgnbd.fit(bgnbd.RepeatSummary(x, t_x, T, np.ones(len(x))))

    assert (fit.r, fit.alpha, fit.a, fit.b) == pytest.approx((0.243, 4.414, 0.793, 2.426), abs=6e-4)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_gamma_gamma_matches_the_published_cdnow_fit(cdnow_summary):
    # Fader, Hardie & Lee (2005), 946 repeat customers: p = 6.25, q = 3.74, γ = 15.44.
    repeat = pc.greater(cdnow_summary["x"], 0)
    spenders = cdnow_summary.filter(repeat)

    fit = gamma_gamma.fit(
        gamma_gamma.SpendSummary(
            column(spenders, "x"), column(spenders, "zbar"), np.ones(spenders.num_rows)
        )
    )

    assert spenders.num_rows == 946
    assert (fit.p, fit.q, fit.gamma) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)


def test_the_purchase_query_rebuilds_the_cdnow_summary(cdnow_purchases, cdnow_summary):
    from tandem.analytics.clv import queries

    end = (dt.date(1997, 9, 30) - dt.date(1970, 1, 1)).days
    customers = queries.customers(queries.purchase_rows(ibis.memtable(cdnow_purchases)), end)
    found = customers.order_by("customer_id").to_pyarrow()

    assert found.num_rows == cdnow_summary.num_rows
    assert column(found, "x").tolist() == column(cdnow_summary, "x").tolist()
    assert np.round(column(found, "t_x") / 7, 2).tolist() == column(cdnow_summary, "t_x").tolist()
    assert np.round(column(found, "T") / 7, 2).tolist() == column(cdnow_summary, "T").tolist()
    repeat = column(found, "x") > 0
    average = column(found, "repeat_spend")[repeat] / column(found, "x")[repeat]
    # The file rounds half up to cents; floating point may land on the other side of .005.
    assert average == pytest.approx(column(cdnow_summary, "zbar")[repeat], abs=0.0051)


def test_a_run_on_cdnow_purchases_gives_the_published_parameters(cdnow_purchases):
    result = clv_run(cdnow_purchases, CLVInput(observed_until=dt.datetime(1997, 9, 30)))

    purchases = result.purchase_model
    assert (purchases.r, purchases.alpha, purchases.a, purchases.b) == pytest.approx(
        (0.243, 4.414, 0.793, 2.426), abs=6e-4
    )
    assert result.spend_model is not None
    spend = result.spend_model
    assert (spend.p, spend.q, spend.gamma) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)
    assert (result.customers, result.repeat_customers, spend.customers) == (2357, 946, 946)
    assert 0 < result.mean_p_alive < 1
    assert result.expected_value is not None and result.expected_value > 0


def test_predictions_match_lifetimes(cdnow_summary):
    lifetimes = pytest.importorskip("lifetimes")
    x, t_x, T = (column(cdnow_summary, name) for name in ("x", "t_x", "T"))
    fit = bgnbd.fit(bgnbd.RepeatSummary(x, t_x, T, np.ones(len(x))))
    reference = lifetimes.BetaGeoFitter()
    reference.params_ = pd.Series({"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b})

    expected = reference.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
    alive = reference.conditional_probability_alive(x, t_x, T)

    assert fit.expected_purchases(39, x, t_x, T) == pytest.approx(np.asarray(expected), rel=1e-9)
    assert fit.p_alive(x, t_x, T) == pytest.approx(np.asarray(alive), rel=1e-9)
    assert float(fit.expected_purchases_new(39)) == pytest.approx(
        float(reference.expected_number_of_purchases_up_to_time(39)), rel=1e-9
    )


@pytest.mark.parametrize("which", ["bgnbd", "gamma_gamma"])
def test_analytic_gradients_match_finite_differences(cdnow_summary, which):
    x, t_x, T, zbar = (column(cdnow_summary, name) for name in ("x", "t_x", "T", "zbar"))
    if which == "bgnbd":
        data = bgnbd._Prepared.of(bgnbd.RepeatSummary(x, t_x, T, np.arange(len(x)) % 3 + 1.0))
        point = np.array([0.3, 4.0, 0.8, 2.0])

        def loglik(params):
            return bgnbd.log_likelihood(params, data)
    else:
        repeat = x > 0
        data = gamma_gamma.SpendSummary(x[repeat], zbar[repeat], np.ones(int(repeat.sum())))
        point = np.array([6.0, 3.5, 15.0])

        def loglik(params):
            return gamma_gamma.log_likelihood(params, data)

    _, gradient = loglik(point)
    step = 1e-6
    numeric = [
        (loglik(point + step * unit)[0] - loglik(point - step * unit)[0]) / (2 * step)
        for unit in np.eye(len(point))
    ]
    assert gradient == pytest.approx(numeric, rel=1e-5)


def test_simulated_customers_give_back_their_parameters():
    truth = Truth(r=0.5, alpha=10.0, a=0.8, b=2.5)
    x, t_x, T = simulate_histories(100_000, truth, max_age=500, seed=3)

    fit = bgnbd.fit(bgnbd.RepeatSummary(x, t_x, T, np.ones(len(x))))

    assert fit.r == pytest.approx(truth.r, rel=0.1)
    assert fit.alpha == pytest.approx(truth.alpha, rel=0.15)
    assert fit.a == pytest.approx(truth.a, rel=0.15)
    assert fit.b == pytest.approx(truth.b, rel=0.15)


@pytest.mark.parametrize(
    ("x", "t_x", "T"),
    [
        # Nobody ever bought again: the likelihood keeps growing as r goes to 0.
        pytest.param(np.zeros(50), np.zeros(50), np.linspace(1, 50, 50), id="no-repeat"),
        # Everybody buys every five days to the end: nobody drops out, p goes to 0.
        pytest.param(
            np.floor(np.linspace(10, 100, 50) / 5),
            np.linspace(10, 100, 50),
            np.linspace(10, 100, 50),
            id="no-dropout",
        ),
    ],
)
def test_a_fit_that_cannot_converge_raises_and_returns_nothing(x, t_x, T):
    with pytest.raises(FitDidNotConvergeError, match="BG/NBD"):
        bgnbd.fit(bgnbd.RepeatSummary(x, t_x, T, np.ones(len(x))))


def test_a_fit_out_of_iterations_raises(cdnow_summary):
    x, t_x, T = (column(cdnow_summary, name) for name in ("x", "t_x", "T"))

    with pytest.raises(FitDidNotConvergeError, match="did not converge after 2 iterations"):
        bgnbd.fit(bgnbd.RepeatSummary(x, t_x, T, np.ones(len(x))), max_iterations=2)


def test_empty_purchases_are_an_error():
    empty = pa.table(
        {
            "customer_id": pa.array([], pa.int64()),
            "purchased_at": pa.array([], pa.timestamp("us")),
            "amount": pa.array([], pa.float64()),
        }
    )

    with pytest.raises(EmptyInputError):
        clv_run(empty)


def test_negative_amounts_are_refused(cdnow_purchases):
    amounts = cdnow_purchases["amount"].to_numpy().copy()
    amounts[:3] = -1.0
    data = cdnow_purchases.set_column(2, "amount", pa.array(amounts))

    with pytest.raises(InputError, match="3 row\\(s\\) with negative amount"):
        clv_run(data)


def test_histories_that_break_the_model_are_refused():
    with pytest.raises(InputError, match="t_x"):
        bgnbd.RepeatSummary(np.array([1.0]), np.array([5.0]), np.array([3.0]), np.ones(1))


def test_pareto_nbd_matches_the_published_cdnow_fit(cdnow_summary):
    # Fader, Hardie & Lee (2005, "A note on deriving the Pareto/NBD model"): r = 0.553,
    # α = 10.578, s = 0.606, β = 11.669, LL = -9594.98. lifetimes' ParetoNBDFitter agrees to
    # 1e-4 but takes tens of seconds, so the published values are the reference here.
    from tandem.analytics.clv import pareto_nbd

    x, t_x, T = (column(cdnow_summary, name) for name in ("x", "t_x", "T"))

    fit = pareto_nbd.fit(bgnbd.RepeatSummary(x, t_x, T, np.ones(len(x))))

    assert (fit.r, fit.alpha, fit.s, fit.beta) == pytest.approx(
        (0.553, 10.578, 0.606, 11.669), abs=2e-3
    )
    assert fit.log_likelihood == pytest.approx(-9594.98, abs=0.05)
    # P(alive) of the first customers, as lifetimes computes it for these parameters.
    assert fit.p_alive(x[:3], t_x[:3], T[:3]) == pytest.approx([0.8691, 0.1679, 0.2951], abs=2e-4)
