"""``analytics-all``: every analysis of ``tandem.analytics`` on data the size of a 1M-contact CRM.

The data are drawn with fixed seeds, vectorised, and loaded into one in-memory DuckDB (the
loading is not timed): for N contacts (``--contacts``, default 1,000,000) N attribution
journeys (about 2.8 touches each), N customers' purchases, 0.38·N deals through three stages
over two years, N contacts' lifecycle moves and a customers/deals/spend set for
profitability, and three years of weekly spend on eight channels. Each analysis is timed
once, end to end (queries and model), with its peak memory above the process's size before
it: attribution with every model, lifetime value, lifetime value by acquiring channel, the
pipeline forecast, a three-date backtest, the media-mix model, funnel and velocity, and
profitability. ``cpu_seconds`` adds up the process's threads (DuckDB runs on several).

The 1M-contact demo database (``tandem demo --contacts 1000000``) has the same shapes; the
synthetic tables keep this benchmark runnable anywhere in minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from benchmarks import Figure, benchmark
from benchmarks._peak import peak_memory
from benchmarks.attribution_markov import synthetic_journeys
from tandem.analytics.attribution import AttributionInput, attribution_run
from tandem.analytics.clv import CLVInput, clv_run
from tandem.analytics.clv.groups import clv_by_group
from tandem.analytics.clv.simulate import Truth, simulate_histories
from tandem.analytics.forecast import ForecastInput, forecast_backtest, forecast_run
from tandem.analytics.funnel import FunnelInput, funnel_run
from tandem.analytics.mmm import MMMInput, PlantedChannel, mmm_run, simulate_weeks
from tandem.analytics.profitability import ProfitabilityInput, profitability_run

NAME = "analytics-all"
DEFAULT_CONTACTS = 1_000_000
CHANNELS = ("email", "search", "webinar", "content", "events", "paid_social", "pr", "direct")
START = dt.datetime(2023, 1, 2)
DAY_US = 86_400 * 1_000_000
SEED = 20_251_123


def _times(days: np.ndarray) -> pa.Array:
    micros = (
        np.datetime64(START, "us").astype(np.int64) + (days * DAY_US).astype(np.int64)
    ).astype("datetime64[us]")
    return pa.array(micros)


def purchases(customers: int, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """Purchases drawn from BG/NBD histories (repeat days spread before the last), and each
    customer's acquiring channel."""
    x, t_x, T = simulate_histories(customers, Truth(alpha=30.0), max_age=730, seed=SEED)
    x = x.astype(np.int64)
    first = 730.0 - T
    rows = x + 1
    customer = np.repeat(np.arange(customers), rows)
    offset = np.repeat(t_x, rows) * rng.random(int(rows.sum()))
    last = np.cumsum(rows) - 1
    offset[last] = np.where(x > 0, t_x, 0.0)
    offset[np.cumsum(rows) - rows] = 0.0
    scale = np.repeat(rng.gamma(3.8, 1 / 15.0, customers), rows)
    table = pa.table(
        {
            "customer_id": customer,
            "purchased_at": _times(np.repeat(first, rows) + offset),
            "amount": rng.gamma(6.0, 1.0 / scale).round(2),
        }
    )
    groups = pa.table(
        {
            "customer_id": np.arange(customers),
            "group": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), customers)],
        }
    )
    return table, groups


def visits(deals: int, rng: np.random.Generator) -> pa.Table:
    """Deals through qualify → proposal → negotiation, closed won or lost (memoryless times)."""
    arrive = rng.uniform(0, 730, deals)
    durations = rng.exponential([12.0, 20.0, 15.0], (deals, 3))
    reached = 1 + (rng.random(deals) < 0.6) + (rng.random(deals) < 0.5)  # stages entered
    won = rng.random(deals) < np.array([0.05, 0.3, 0.6])[reached - 1]
    entered = arrive[:, None] + np.concatenate(
        [np.zeros((deals, 1)), durations[:, :2].cumsum(axis=1)], axis=1
    )
    closes = entered[np.arange(deals), reached - 1] + durations[np.arange(deals), reached - 1]
    is_closed = closes <= 730.0
    stage = np.tile(np.arange(3), deals)
    deal = np.repeat(np.arange(deals), 3)
    keep = (stage < np.repeat(reached, 3)) & (entered.ravel() <= 730.0)
    outcome = np.where(won, "won", "lost")
    return pa.table(
        {
            "deal_id": deal[keep],
            "stage": np.array(["qualify", "proposal", "negotiation"])[stage[keep]],
            "entered_at": _times(entered.ravel()[keep]),
            "amount": np.repeat(rng.gamma(2.0, 5_000.0, deals).round(2), 3)[keep],
            "outcome": pa.array(
                np.where(is_closed, outcome, None)[deal[keep]].tolist(), pa.string()
            ),
            "closed_at": pc.if_else(
                pa.array(is_closed[deal[keep]]),
                _times(np.where(is_closed, closes, 0.0)[deal[keep]]),
                pa.scalar(None, pa.timestamp("us")),
            ),
        }
    )


def lifecycle(contacts: int, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """Lifecycle moves (lead → … → customer, each step with a chance) and deals for velocity."""
    stages = np.array(["lead", "mql", "sal", "opportunity", "customer"])
    reached = 1 + np.minimum(rng.geometric(0.55, contacts) - 1, 4)
    contact = np.repeat(np.arange(contacts), reached)
    step = np.arange(int(reached.sum())) - np.repeat(np.cumsum(reached) - reached, reached)
    entry = np.repeat(rng.uniform(0, 700, contacts), reached)
    moved = entry + step * rng.exponential(9.0, len(step))
    sources = np.array(CHANNELS)[rng.integers(0, len(CHANNELS), contacts)]
    moves = pa.table(
        {
            "contact_id": contact,
            "moved_at": _times(moved),
            "to_stage": stages[step],
            "source": sources[contact],
        }
    )
    opportunities = np.flatnonzero(reached >= 4)
    created = rng.uniform(0, 700, len(opportunities))
    is_won = reached[opportunities] == 5
    closed = created + rng.exponential(30.0, len(opportunities))
    deals = pa.table(
        {
            "deal_id": opportunities,
            "created_at": _times(created),
            "closed_at": _times(closed),
            "amount": rng.gamma(2.0, 5_000.0, len(opportunities)).round(2),
            "outcome": np.where(is_won, "won", "lost"),
            "source": sources[opportunities],
        }
    )
    return moves, deals


def profitability_tables(
    customers: int, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Customers with their acquiring channel and segment, their won deals, and spend lines."""
    acquired = rng.uniform(0, 700, customers)
    channel = np.array(CHANNELS)[rng.integers(0, len(CHANNELS), customers)]
    segment = np.array(["smb", "mid", "enterprise"])[rng.integers(0, 3, customers)]
    repeat = rng.poisson(0.8, customers) + 1
    owner = np.repeat(np.arange(customers), repeat)
    closed = np.repeat(acquired, repeat) + rng.exponential(60.0, int(repeat.sum())) * (
        np.arange(int(repeat.sum())) != np.repeat(np.cumsum(repeat) - repeat, repeat)
    )
    amount = rng.gamma(2.0, 3_000.0, len(owner)).round(2)
    weeks = 104
    spend = pa.table(
        {
            "spent_on": _times(np.repeat(np.arange(weeks) * 7.0, len(CHANNELS))),
            "amount": rng.gamma(4.0, 2_500.0, weeks * len(CHANNELS)).round(2),
            "channel": np.tile(np.array(CHANNELS), weeks),
        }
    )
    return (
        pa.table(
            {
                "customer_id": np.arange(customers),
                "acquired_at": _times(acquired),
                "channel": channel,
                "segment": segment,
            }
        ),
        pa.table(
            {
                "customer_id": owner,
                "closed_at": _times(np.minimum(closed, 729.0)),
                "amount": amount,
                "cost": (amount * rng.uniform(0.4, 0.8, len(owner))).round(2),
            }
        ),
        spend,
    )


def _measure(name: str, run: Callable[[], Any]) -> Iterator[Figure]:
    with peak_memory() as peak:
        started, cpu = time.perf_counter(), time.process_time()
        run()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    yield Figure(NAME, f"{name}_seconds", round(seconds, 3), "s")
    yield Figure(NAME, f"{name}_cpu_seconds", round(cpu_seconds, 3), "s")
    yield Figure(NAME, f"{name}_peak_memory", peak.step_mb, "MB")


@benchmark(
    NAME,
    "every analysis (attribution, CLV, CLV by group, forecast, backtest, MMM, funnel, "
    "profitability) on data for N contacts (default 1,000,000): seconds and memory each",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    rng = np.random.default_rng(SEED)
    db = ibis.duckdb.connect()
    journeys = db.create_table("journeys", synthetic_journeys(contacts))
    bought, acquired_by = purchases(contacts, rng)
    bought_table = db.create_table("purchases", bought)
    groups_table = db.create_table("groups", acquired_by)
    visit_table = db.create_table("visits", visits(int(contacts * 0.38), rng))
    moves, funnel_deals = lifecycle(contacts, rng)
    moves_table = db.create_table("moves", moves)
    funnel_deals_table = db.create_table("funnel_deals", funnel_deals)
    customers, won, spend_lines = profitability_tables(contacts // 4, rng)
    planted = tuple(
        PlantedChannel(name, level=1_000 * (i + 1), effect=4_000 / (i + 1), decay=0.1 * i)
        for i, name in enumerate(CHANNELS)
    )
    spend, outcome, _ = simulate_weeks(planted, weeks=156, seed=SEED, base=100_000.0)
    del bought, acquired_by, moves, funnel_deals
    yield Figure(NAME, "contacts", contacts, "contacts")

    clv_params = CLVInput(time_unit_days=7)
    as_of = START + dt.timedelta(days=500)
    yield from _measure(
        "attribution_all_models", lambda: attribution_run(journeys, AttributionInput())
    )
    yield from _measure("clv", lambda: clv_run(bought_table, clv_params))
    yield from _measure(
        "clv_by_group", lambda: clv_by_group(bought_table, groups_table, clv_params)
    )
    yield from _measure(
        "forecast", lambda: forecast_run(visit_table, ForecastInput(as_of=as_of, min_history=30))
    )
    yield from _measure(
        "forecast_backtest_3_dates",
        lambda: forecast_backtest(
            visit_table,
            [as_of - dt.timedelta(days=90 * k) for k in range(3)],
            ForecastInput(min_history=30),
        ),
    )
    yield from _measure("mmm_8_channels_156_weeks", lambda: mmm_run(spend, outcome, MMMInput()))
    yield from _measure(
        "funnel_and_velocity",
        lambda: funnel_run(moves_table, FunnelInput(cohort_by="source"), deals=funnel_deals_table),
    )
    yield from _measure(
        "profitability",
        lambda: profitability_run(customers, ProfitabilityInput(), deals=won, spend=spend_lines),
    )
