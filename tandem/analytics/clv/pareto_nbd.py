"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), fitted next to BG/NBD.

Customers buy at a Poisson rate λ ~ Gamma(r, α) until an unobserved exponential lifetime with
rate μ ~ Gamma(s, β) ends (BG/NBD instead lets them drop out only right after a purchase).
Fitted by maximum likelihood on the same deduplicated ``(x, t_x, T)`` summary, on
log-parameters with L-BFGS-B; the likelihood (Fader, Hardie & Lee 2005, "A note on deriving
the Pareto/NBD model") needs Gauss's hypergeometric function, whose derivatives in the
parameters scipy lacks, so the gradient is by central differences — fine for summaries of a
few hundred thousand rows, slower than BG/NBD's analytic gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, hyp2f1

from tandem.analytics.base import single_threaded_blas
from tandem.analytics.clv.bgnbd import RepeatSummary
from tandem.analytics.clv.fitting import minimize_checked

DIFFERENCE_STEP = 1e-6


@dataclass(frozen=True)
class ParetoNbdFit:
    """Fitted Pareto/NBD parameters and how the fit went."""

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    iterations: int

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Probability that a customer with this history is still alive at ``T``."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        params = np.array([self.r, self.alpha, self.s, self.beta])
        _, died, alive = _terms(params, x, t_x, T)
        return np.exp(alive - np.logaddexp(died, alive))


def _terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer: ``ln`` of the constant, of the died-before-T and of the alive-at-T parts."""
    r, alpha, s, beta = params
    constant = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    rsx = r + s + x
    if alpha >= beta:
        gap, larger, second = alpha - beta, alpha, s + 1.0
    else:
        gap, larger, second = beta - alpha, beta, r + x
    first = np.log(hyp2f1(rsx, second, rsx + 1.0, gap / (larger + t_x))) - rsx * np.log(
        larger + t_x
    )
    last = np.log(hyp2f1(rsx, second, rsx + 1.0, gap / (larger + T))) - rsx * np.log(larger + T)
    # ln(e^first − e^last), first ≥ last; a customer seen only at T has no lifetime to end.
    span = np.where(first > last, first + np.log1p(-np.exp(np.minimum(last - first, 0.0))), -np.inf)
    died = np.log(s) - np.log(rsx) + span
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return constant, died, alive


def log_likelihood(params: np.ndarray, summary: RepeatSummary) -> float:
    """Weighted log-likelihood of ``(r, α, s, β)``."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (summary.x, summary.t_x, summary.T))
    constant, died, alive = _terms(params, x, t_x, T)
    return float(np.asarray(summary.weight, float) @ (constant + np.logaddexp(died, alive)))


def fit(summary: RepeatSummary, *, max_iterations: int = 2_000) -> ParetoNbdFit:
    """Fit Pareto/NBD by maximum likelihood; raise :class:`FitDidNotConvergeError` if it fails."""
    weight = np.asarray(summary.weight, float)
    scale = float(weight.sum())

    def value(log_params: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return -log_likelihood(np.exp(log_params), summary) / scale

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        steps = np.eye(len(log_params)) * DIFFERENCE_STEP
        gradient = np.array(
            [(value(log_params + h) - value(log_params - h)) / (2 * DIFFERENCE_STEP) for h in steps]
        )
        return value(log_params), gradient

    mean_T = float(weight @ summary.T / scale)
    start = np.log([1.0, max(mean_T, 1e-3), 1.0, max(mean_T, 1e-3)])
    with single_threaded_blas():
        optimum = minimize_checked(
            objective, start, model="Pareto/NBD", max_iterations=max_iterations
        )
    r, alpha, s, beta = np.exp(optimum.log_params)
    return ParetoNbdFit(
        r=float(r),
        alpha=float(alpha),
        s=float(s),
        beta=float(beta),
        log_likelihood=-optimum.objective * scale,
        iterations=optimum.iterations,
    )
