"""Customers drawn from known BG/NBD and Gamma-Gamma parameters, for tests and benchmarks.

Each customer gets a purchase rate λ ~ Gamma(r, α), a dropout probability p ~ Beta(a, b) and
an age ``T``; repeat purchases arrive as a Poisson process and the customer drops out after
each with probability ``p``. Spend per purchase is Gamma(p_spend, ν) with ν ~ Gamma(q, γ).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Truth:
    """The parameters customers are drawn from (time in days unless said otherwise)."""

    r: float = 0.25
    alpha: float = 4.0
    a: float = 0.8
    b: float = 2.5
    p: float = 6.0
    q: float = 3.8
    gamma: float = 15.0


def simulate_histories(
    customers: int, truth: Truth, *, max_age: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, t_x, T)`` in whole days for ``customers`` customers aged 1 to ``max_age`` days.

    Vectorized: with ``n`` Poisson arrivals in ``(0, T]`` and dropout after the ``D``-th
    repeat purchase, ``x = min(n, D)`` and the ``x``-th arrival time is ``T·Beta(x, n-x+1)``.
    Times are rounded up to whole days, as purchases on one day count once.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(1, max_age + 1, customers).astype(float)
    rate = rng.gamma(truth.r, 1.0 / truth.alpha, customers)
    dropout = rng.beta(truth.a, truth.b, customers)
    arrivals = rng.poisson(rate * age)
    survives = rng.geometric(dropout)
    x = np.minimum(arrivals, survives)
    repeat = x > 0
    t_x = np.zeros(customers)
    t_x[repeat] = age[repeat] * rng.beta(x[repeat], arrivals[repeat] - x[repeat] + 1)
    t_x = np.where(repeat, np.clip(np.ceil(t_x), 1, age), 0.0)
    return x.astype(float), t_x, age


def simulate_purchases(
    customers: int, truth: Truth, *, max_age: int, seed: int, start: dt.datetime
) -> pa.Table:
    """Purchases (``customer_id``, ``purchased_at``, ``amount``) observed until ``start`` +
    ``max_age`` days; customer ``i`` first buys ``T`` days before the end."""
    rng = np.random.default_rng(seed)
    end = start + dt.timedelta(days=max_age)
    rows: dict[str, list] = {"customer_id": [], "purchased_at": [], "amount": []}
    for customer in range(customers):
        age = float(rng.integers(1, max_age + 1))
        rate = rng.gamma(truth.r, 1.0 / truth.alpha)
        dropout = rng.beta(truth.a, truth.b)
        scale = rng.gamma(truth.q, 1.0 / truth.gamma)
        moment = 0.0
        times = [0.0]
        while True:
            moment += rng.exponential(1.0 / rate) if rate > 0 else np.inf
            if moment > age:
                break
            times.append(moment)
            if rng.random() < dropout:
                break
        first = end - dt.timedelta(days=age)
        for offset in times:
            rows["customer_id"].append(customer)
            rows["purchased_at"].append(first + dt.timedelta(days=offset))
            rows["amount"].append(round(float(rng.gamma(truth.p, 1.0 / scale)), 2))
    return pa.table(rows)
