"""Simulated weekly spend and outcome with planted carry-over, saturation and effects.

Tests and benchmarks check that :mod:`tandem.analytics.mmm` finds what was planted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tandem.analytics.adstock import adstocked, half_life, hill, lag_weights
from tandem.analytics.mmm import EPOCH_MONDAY, WEEKS_PER_YEAR


@dataclass(frozen=True)
class PlantedChannel:
    """A channel of simulated data: its adstock, saturation and effect."""

    name: str
    level: float  # mean weekly spend when on
    effect: float  # β
    decay: float = 0.5
    shape: float | None = None  # Weibull shape and scale, instead of the decay
    scale: float | None = None
    half_saturation: float = 1.0  # κ, times the mean weekly spend
    slope: float = 1.0


def simulate_weeks(
    channels: tuple[PlantedChannel, ...],
    *,
    weeks: int,
    seed: int,
    base: float = 1_000.0,
    noise: float = 0.02,
    max_lag_weeks: int = 26,
    start: dt.date = dt.date(2022, 1, 3),
) -> tuple[pa.Table, pa.Table, dict[str, dict[str, float]]]:
    """Spend and outcome tables drawn from planted parameters, and each channel's true
    contribution, ROI and half-life. Spend is flighted: in blocks of four weeks a channel
    is on with chance 0.6, at 0.5 to 1.5 times its level each week."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks, dtype=float)
    first = (start - EPOCH_MONDAY).days // 7
    angle = 2 * np.pi * (first + t) / WEEKS_PER_YEAR
    outcome = base * (1.0 + 0.2 * t / weeks + 0.1 * np.sin(angle) + 0.05 * np.cos(angle))
    spend_rows: dict[str, list] = {"week": [], "channel": [], "spend": []}
    truth = {}
    for channel in channels:
        # Campaign flights: four-week blocks on or off, so slow carry-over still varies.
        on = np.repeat(rng.random(weeks // 4 + 1) < 0.6, 4)[:weeks]
        spend = np.where(on, channel.level * rng.uniform(0.5, 1.5, weeks), 0.0).round(2)
        kind = "geometric" if channel.shape is None else "weibull"
        lag = np.array([channel.decay] if kind == "geometric" else [channel.shape, channel.scale])
        weights = lag_weights(kind, lag, max_lag_weeks)
        padded = np.concatenate([spend, np.zeros(max_lag_weeks)])
        mean_spend = spend[spend > 0].mean()
        response = channel.effect * hill(
            adstocked(padded, weights), channel.half_saturation * mean_spend, channel.slope
        )
        outcome = outcome + response[:weeks]
        truth[channel.name] = {
            "contribution": float(response.sum()),
            "roi": float(response.sum() / spend.sum()),
            "half_life_weeks": half_life(weights),
        }
        for week, amount in enumerate(spend):
            if amount > 0:
                spend_rows["week"].append(start + dt.timedelta(weeks=week))
                spend_rows["channel"].append(channel.name)
                spend_rows["spend"].append(float(amount))
    outcome = outcome * (1.0 + noise * rng.standard_normal(weeks))
    outcome_table = pa.table(
        {"week": [start + dt.timedelta(weeks=w) for w in range(weeks)], "outcome": outcome}
    )
    return pa.table(spend_rows), outcome_table, truth
