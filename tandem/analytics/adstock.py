"""The media-mix model's response curves: adstock lag weights and Hill saturation.

Plain numpy on one channel's weekly spend; :mod:`tandem.analytics.mmm` fits their parameters
and :mod:`tandem.analytics.mmm_simulation` plants them in simulated data.
"""

from __future__ import annotations

import numpy as np


def lag_weights(kind: str, params: np.ndarray, lags: int) -> np.ndarray:
    """Lag weights (adding up to 1) of geometric ``(θ,)`` or Weibull ``(shape, scale)``."""
    steps = np.arange(lags + 1, dtype=float)
    if kind == "geometric":
        (decay,) = params
        weights = (1.0 - decay) * decay ** steps[:-1]
    else:
        shape, scale = params
        cdf = 1.0 - np.exp(-((steps / scale) ** shape))
        weights = np.diff(cdf)
    total = weights.sum()
    return weights / total if total > 0 else np.eye(1, lags).ravel()


def adstocked(spend: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each week's spend spread over the following weeks by ``weights``."""
    return np.convolve(spend, weights)[: len(spend)]


def hill(values: np.ndarray, half: float, slope: float) -> np.ndarray:
    """Hill saturation ``v^n / (v^n + K^n)``: 0 at no spend, 1/2 at ``K``, 1 at saturation."""
    ratio = np.power(np.maximum(values, 0.0) / half, slope)
    return ratio / (1.0 + ratio)


def half_life(weights: np.ndarray) -> float:
    """Weeks until half of the effect is delivered (each week's weight spread evenly in it)."""
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    week = int(np.searchsorted(cumulative, 0.5, side="left"))
    before = cumulative[week - 1]
    return float(week - 1 + (0.5 - before) / (cumulative[week] - before))
