"""Gamma-Gamma: how much a customer spends per purchase (Fader, Hardie & Lee 2005).

A customer's purchase amounts are Gamma(p, ν) around a customer-level ν ~ Gamma(q, γ). The
average ``m`` of a customer's ``x`` repeat purchases is what the model sees; it is fitted by
maximum likelihood with analytic gradients on log-parameters. Only customers with at least one
repeat purchase and a positive average enter the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from tandem.analytics.clv.fitting import minimize_checked
from tandem.analytics.errors import InputError


@dataclass(frozen=True)
class SpendSummary:
    """Deduplicated ``(x, m)`` rows (repeat purchases, average repeat spend) with counts."""

    x: np.ndarray
    m: np.ndarray
    weight: np.ndarray

    def __post_init__(self) -> None:
        if len(self.x) < 2:
            raise InputError("the spend model needs at least two customers with repeat purchases")
        if np.any(self.x <= 0) or np.any(self.m <= 0):
            raise InputError("the spend model takes customers with x > 0 and a positive average")


@dataclass(frozen=True)
class GammaGammaFit:
    """Fitted Gamma-Gamma parameters and how the fit went."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    iterations: int

    def expected_spend(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Expected average spend per purchase given ``x`` repeat purchases averaging ``m``.

        Customers without repeat purchases get the population mean ``pγ/(q-1)``.
        """
        x = np.asarray(x, dtype=float)
        m = np.where(x > 0, np.asarray(m, dtype=float), 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1.0)


def log_likelihood(params: np.ndarray, summary: SpendSummary) -> tuple[float, np.ndarray]:
    """Weighted log-likelihood of ``(p, q, γ)`` and its gradient in the same parameters."""
    p, q, gamma = params
    x, m, w = summary.x, summary.m, summary.weight
    px = p * x
    spread = np.log(gamma + m * x)
    terms = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * spread
    )
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + np.log(m) + np.log(x) - spread)
    d_q = psi - digamma(q) + np.log(gamma) - spread
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return float(w @ terms), np.array([w @ d_p, w @ d_q, w @ d_gamma])


def fit(summary: SpendSummary, *, max_iterations: int = 2_000) -> GammaGammaFit:
    """Fit Gamma-Gamma by maximum likelihood; raise if the fit does not converge."""
    scale = float(summary.weight.sum())

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = log_likelihood(params, summary)
        return -value / scale, -grad * params / scale

    mean_spend = float(summary.weight @ summary.m / scale)
    start = np.log([1.0, 2.0, max(mean_spend, 1e-6)])
    optimum = minimize_checked(objective, start, model="Gamma-Gamma", max_iterations=max_iterations)
    p, q, gamma = np.exp(optimum.log_params)
    return GammaGammaFit(
        p=float(p),
        q=float(q),
        gamma=float(gamma),
        log_likelihood=-optimum.objective * scale,
        iterations=optimum.iterations,
    )
