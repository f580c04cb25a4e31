"""BG/NBD: how often customers buy again, and whether they still do (Fader, Hardie & Lee 2005).

Each customer buys at a Poisson rate λ ~ Gamma(r, α) while alive and, after each repeat
purchase, drops out with probability p ~ Beta(a, b). From a customer's repeat purchases ``x``,
the time of the last one ``t_x`` and the time since the first purchase ``T``, the model is fitted
by maximum likelihood with analytic gradients on log-parameters (L-BFGS-B). Summaries are
deduplicated: identical ``(x, t_x, T)`` rows enter once with their count as weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from tandem.analytics.base import single_threaded_blas
from tandem.analytics.clv.fitting import Objective, hessian, minimize_checked, newton_polish
from tandem.analytics.errors import FitDidNotConvergeError, InputError


@dataclass(frozen=True)
class RepeatSummary:
    """Deduplicated ``(x, t_x, T)`` rows with the number of customers sharing each."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray

    def __post_init__(self) -> None:
        if len(self.x) == 0:
            raise InputError("there are no customers to fit")
        if np.any(self.x < 0) or np.any(self.t_x < 0) or np.any(self.t_x > self.T):
            raise InputError("each customer needs 0 ≤ t_x ≤ T and x ≥ 0")
        if np.any((self.x > 0) & (self.t_x <= 0)):
            raise InputError("a customer with repeat purchases needs t_x > 0")
        if np.any(self.weight <= 0):
            raise InputError("weights must be positive")


@dataclass(frozen=True)
class BgNbdFit:
    """Fitted BG/NBD parameters and how the fit went."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    iterations: int

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Probability that a customer with this history is still alive at ``T``."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        return 1.0 / (1.0 + self._dropout_odds(x, t_x, T))

    def _dropout_odds(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        repeat = x > 0
        log_odds = np.full(x.shape, -np.inf)
        xr = x[repeat]
        log_odds[repeat] = (
            np.log(a)
            - np.log(b + xr - 1.0)
            + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
        )
        return np.exp(log_odds)

    def expected_purchases(
        self, t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """Expected purchases in the next ``t`` time units for a customer with this history."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        horizon = alpha + T + t
        hyper = hyp2f1(r + x, b + x, a + b + x - 1.0, t / horizon)
        grows = (a + b + x - 1.0) / (a - 1.0)
        kept = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(horizon))) * hyper
        return grows * kept / (1.0 + self._dropout_odds(x, t_x, T))

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray:
        """Expected purchases in ``t`` time units of a customer just acquired."""
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        hyper = hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
        return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyper)


@dataclass(frozen=True)
class _Prepared:
    """The summary split so each evaluation does the least work.

    Terms of ``x`` alone are computed once per distinct ``x``, logs of ``α + T`` and
    ``α + t_x`` once per distinct time, and sums over all rows of terms in ``T`` come from
    per-``T`` weights fixed here. Only customers with repeat purchases (``x > 0``) need
    per-row work, for the chance that they dropped out after their last purchase.
    """

    total: float
    x_values: np.ndarray
    x_weight: np.ndarray
    T_values: np.ndarray
    T_weight: np.ndarray
    T_weight_x: np.ndarray
    t_x_values: np.ndarray
    weight: np.ndarray  # the rest: repeat customers only
    x: np.ndarray
    x_index: np.ndarray
    T_index: np.ndarray
    t_x_index: np.ndarray

    @classmethod
    def of(cls, summary: RepeatSummary) -> _Prepared:
        weight = np.asarray(summary.weight, dtype=float)
        x = np.asarray(summary.x, dtype=float)
        x_values, x_index = np.unique(x, return_inverse=True)
        T_values, T_index = np.unique(np.asarray(summary.T, float), return_inverse=True)
        repeat = x > 0
        t_x_values, t_x_index = np.unique(
            np.asarray(summary.t_x, float)[repeat], return_inverse=True
        )
        return cls(
            total=float(weight.sum()),
            x_values=x_values,
            x_weight=np.bincount(x_index, weight, len(x_values)),
            T_values=T_values,
            T_weight=np.bincount(T_index, weight, len(T_values)),
            T_weight_x=np.bincount(T_index, weight * x, len(T_values)),
            t_x_values=t_x_values,
            weight=weight[repeat],
            x=x[repeat],
            x_index=x_index[repeat],
            T_index=T_index[repeat],
            t_x_index=t_x_index,
        )


def log_likelihood(params: np.ndarray, data: _Prepared) -> tuple[float, np.ndarray]:
    """Weighted log-likelihood of ``(r, α, a, b)`` and its gradient in the same parameters.

    Per customer: ``ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
    − (r+x) ln(α+T) + ln(1 + [x>0] e^d)`` with ``d = ln a − ln(b+x−1) + (r+x) ln((α+T)/(α+t_x))``
    the log-odds that the customer dropped out after the last purchase.
    """
    r, alpha, a, b = params
    xs = data.x_values
    repeat_x = xs > 0
    # Terms of x alone, once per distinct x.
    g1 = gammaln(r + xs) - gammaln(r)
    g2 = gammaln(a + b) + gammaln(b + xs) - gammaln(b) - gammaln(a + b + xs)
    b_x = np.where(repeat_x, b + xs - 1.0, 1.0)
    log_odds_x = np.log(a) - np.log(b_x)
    # Terms of T over all customers, once per distinct T.
    log_T = np.log(alpha + data.T_values)
    inverse_T = 1.0 / (alpha + data.T_values)
    alive = -(r * data.T_weight + data.T_weight_x) @ log_T

    # Repeat customers, one row each: the log-odds d of having dropped out.
    rx = r + data.x
    row_log_T = log_T[data.T_index]
    gap = row_log_T - np.log(alpha + data.t_x_values)[data.t_x_index]
    d = log_odds_x[data.x_index] + rx * gap
    small = np.exp(-np.abs(d))
    softplus = np.maximum(d, 0.0) + np.log1p(small)
    dropped = np.where(d >= 0, 1.0, small) / (1.0 + small)  # the logistic of d
    w = data.weight
    value = float(data.x_weight @ (g1 + g2) + data.total * r * np.log(alpha) + alive + w @ softplus)

    w_dropped = w * dropped
    inverse_gap = inverse_T[data.T_index] - 1.0 / (alpha + data.t_x_values)[data.t_x_index]
    d_r = (
        data.x_weight @ (digamma(r + xs) - digamma(r))
        + data.total * np.log(alpha)
        - data.T_weight @ log_T
        + w_dropped @ gap
    )
    d_alpha = (
        data.total * r / alpha
        - (r * data.T_weight + data.T_weight_x) @ inverse_T
        + w_dropped @ (rx * inverse_gap)
    )
    d_ab = digamma(a + b) - digamma(a + b + xs)
    d_a = data.x_weight @ d_ab + w_dropped.sum() / a
    d_b = (
        data.x_weight @ (d_ab + digamma(b + xs) - digamma(b))
        - w_dropped @ (1.0 / b_x)[data.x_index]
    )
    return value, np.array([d_r, d_alpha, d_a, d_b])


WARM_START_ROWS = 20_000  # past this many distinct rows, a thinned copy finds the start
WARM_START_CUSTOMERS = 50_000


def _thinned(summary: RepeatSummary, seed: int = 0) -> RepeatSummary | None:
    """A random thinning of the customers (binomial on each row's count), or None if small.

    Its fit lands near the full optimum, so the full fit starts there and needs only a few
    passes over every row.
    """
    weight = np.asarray(summary.weight, dtype=float)
    total = float(weight.sum())
    if len(weight) <= WARM_START_ROWS or total <= 2 * WARM_START_CUSTOMERS:
        return None
    kept = np.random.default_rng(seed).binomial(
        weight.astype(np.int64), WARM_START_CUSTOMERS / total
    )
    rows = kept > 0
    if not rows.any():
        return None
    return RepeatSummary(summary.x[rows], summary.t_x[rows], summary.T[rows], kept[rows] * 1.0)


def _objective(summary: RepeatSummary) -> tuple[Objective, float]:
    """The negative mean log-likelihood in log-parameters, and the number of customers."""
    data = _Prepared.of(summary)
    scale = data.total

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = log_likelihood(params, data)
        return -value / scale, -grad * params / scale

    return objective, scale


def fit(summary: RepeatSummary, *, max_iterations: int = 2_000) -> BgNbdFit:
    """Fit BG/NBD by maximum likelihood; raise :class:`FitDidNotConvergeError` if it fails.

    Large summaries are first fitted on a thinned copy of the customers; the full fit starts
    from there (the answer is the full data's maximum either way).
    """
    with single_threaded_blas():
        return _fit(summary, max_iterations)


def _fit(summary: RepeatSummary, max_iterations: int) -> BgNbdFit:
    weight = np.asarray(summary.weight, float)
    mean_T = float(weight @ summary.T / weight.sum())
    start = np.log([1.0, max(mean_T, 1e-3), 1.0, 1.0])
    objective, scale = _objective(summary)
    optimum = None
    thinned = _thinned(summary)
    if thinned is not None:
        small, _ = _objective(thinned)
        try:
            near = minimize_checked(small, start, model="BG/NBD", max_iterations=max_iterations)
        except FitDidNotConvergeError:
            near = None  # the full data decide; the thinned copy only offered a start
        if near is not None:
            start = near.log_params
            curvature = hessian(small, start, small(start)[1])
            optimum = newton_polish(objective, start, curvature)
    if optimum is None:
        optimum = minimize_checked(objective, start, model="BG/NBD", max_iterations=max_iterations)
    r, alpha, a, b = np.exp(optimum.log_params)
    log_likelihood_value = -optimum.objective * scale
    iterations = optimum.iterations
    return BgNbdFit(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=log_likelihood_value,
        iterations=iterations,
    )
