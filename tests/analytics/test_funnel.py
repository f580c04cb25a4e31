"""Funnel and velocity: conversion by cohort, time in stage and pipeline velocity, by hand."""

from __future__ import annotations

import datetime as dt
import uuid

import ibis
import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError

from tandem.analytics.clocks import period_window
from tandem.analytics.errors import EmptyInputError, InputError
from tandem.analytics.funnel import FunnelInput, funnel_run, weighted_quantile
from tests.analytics.helpers import loaded

AS_OF = dt.datetime(2026, 3, 31, 12, 0)  # a Tuesday, in the first quarter


def day(month: int, d: int, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, d, 9, 0)


# contact, moved at, stage, source, segment
MOVES = [
    (1, day(1, 5), "lead", "email", "Retail"),
    (1, day(1, 7), "mql", "email", "Retail"),
    (1, day(1, 10), "opportunity", "email", "Retail"),  # same instant as SAL: the funnel orders
    (1, day(1, 10), "sal", "email", "Retail"),
    (1, day(2, 9), "customer", "email", "Retail"),
    (2, day(1, 20), "lead", "search", "Retail"),
    (2, day(1, 21), "mql", "search", "Retail"),
    (2, day(1, 25), "recycled", "search", "Retail"),
    (3, day(12, 20, 2025), "lead", "email", "Energy"),  # entered before the quarter
    (3, day(1, 3), "mql", "email", "Energy"),
    (4, day(2, 1), "mql", "email", "Energy"),  # skipped lead: still counts as reaching it
    (4, day(2, 3), "sal", "email", "Energy"),
    (5, day(3, 1), "lead", "search", "Energy"),
    (6, day(4, 2), "lead", "search", "Energy"),  # after the end
]

# deal, created, closed, amount, outcome, source
DEALS = [
    (1, day(12, 1, 2025), day(1, 30), 1000.0, "won", "email"),
    (2, day(1, 10), day(2, 9), 3000.0, "won", "search"),
    (3, day(1, 15), day(3, 1), 500.0, "lost", "email"),
    (4, day(2, 1), None, 2000.0, "open", "email"),
    (5, day(3, 10), None, 4000.0, "open", "search"),
    (6, day(11, 1, 2025), day(4, 5), 700.0, "won", "email"),  # won after the end: open then
    (7, day(10, 1, 2025), day(12, 15, 2025), 900.0, "lost", "email"),  # closed before
    (8, day(4, 10), None, 800.0, "open", "search"),  # created after the end
]


def moves_table(rows=MOVES) -> pa.Table:
    contact, moved_at, stage, source, segment = zip(*rows, strict=True)
    return pa.table(
        {
            "contact_id": pa.array(contact, pa.int64()),
            "moved_at": pa.array(moved_at, pa.timestamp("us")),
            "to_stage": pa.array(stage, pa.string()),
            "source": pa.array(source, pa.string()),
            "segment": pa.array(segment, pa.string()),
        }
    )


def deals_table(rows=DEALS) -> pa.Table:
    deal, created, closed, amount, outcome, source = zip(*rows, strict=True)
    return pa.table(
        {
            "deal_id": pa.array(deal, pa.int64()),
            "created_at": pa.array(created, pa.timestamp("us")),
            "closed_at": pa.array(closed, pa.timestamp("us")),
            "amount": pa.array(amount, pa.float64()),
            "outcome": pa.array(outcome, pa.string()),
            "source": pa.array(source, pa.string()),
        }
    )


QUARTER = FunnelInput(period="quarter", as_of=AS_OF)


@pytest.mark.parametrize(
    ("period", "start"),
    [
        pytest.param("week", dt.datetime(2026, 3, 30), id="week-from-monday"),
        pytest.param("month", dt.datetime(2026, 3, 1), id="month"),
        pytest.param("quarter", dt.datetime(2026, 1, 1), id="quarter"),
        pytest.param("6m", dt.datetime(2025, 10, 1), id="rolling-6-months"),
        pytest.param("12m", dt.datetime(2025, 4, 1), id="rolling-12-months"),
        pytest.param("18m", dt.datetime(2024, 10, 1), id="rolling-18-months"),
    ],
)
def test_each_clock_starts_where_its_label_says(period, start):
    assert period_window(period, AS_OF) == (start, AS_OF)


def test_conversion_counts_each_contact_who_entered_in_the_period_once():
    # given four contacts who entered the funnel in the quarter (one before it, one after)
    # when the funnel runs on the quarter
    result = funnel_run(moves_table(), QUARTER)

    # then each stage counts the contacts who reached it or a later one
    assert result.start == dt.datetime(2026, 1, 1) and result.end == AS_OF
    assert result.total.entered == 4
    assert result.total.reached() == {
        "lead": 4,
        "mql": 3,
        "sal": 2,
        "opportunity": 1,
        "customer": 1,
    }
    conversions = [(s.from_previous, s.from_first) for s in result.total.stages]
    assert conversions == [
        (None, 1.0),
        (3 / 4, 3 / 4),
        (2 / 3, 2 / 4),
        (1 / 2, 1 / 4),
        (1.0, 1 / 4),
    ]
    assert [c.key for c in result.cohorts] == ["all"]


def test_cohorts_by_month_of_entry():
    result = funnel_run(moves_table(), QUARTER.model_copy(update={"cohort_by": "month"}))

    assert {c.key: list(c.reached().values()) for c in result.cohorts} == {
        "2026-01": [2, 2, 1, 1, 1],
        "2026-02": [1, 1, 1, 0, 0],
        "2026-03": [1, 0, 0, 0, 0],
    }


@pytest.mark.parametrize(
    ("cohort_by", "expected"),
    [
        pytest.param("source", {"email": [2, 2, 2, 1, 1], "search": [2, 1, 0, 0, 0]}, id="source"),
        pytest.param(
            "segment", {"Energy": [2, 1, 1, 0, 0], "Retail": [2, 2, 1, 1, 1]}, id="segment"
        ),
    ],
)
def test_cohorts_by_source_and_segment(cohort_by, expected):
    result = funnel_run(moves_table(), QUARTER.model_copy(update={"cohort_by": cohort_by}))

    assert {c.key: list(c.reached().values()) for c in result.cohorts} == expected


def test_time_in_stage_counts_stays_that_began_in_the_period():
    result = funnel_run(moves_table(), QUARTER)

    times = {t.stage: t for t in result.time_in_stage}
    # lead: 2 and 1 days (contact 5 still a lead); mql: 3, 4 (to recycled) and 2 days
    lead, mql = times["lead"], times["mql"]
    assert (lead.moved_on, lead.still_in_stage) == (2, 1)
    assert (lead.p25_days, lead.median_days, lead.p75_days, lead.p90_days) == pytest.approx(
        (1.25, 1.5, 1.75, 1.9)
    )
    assert (mql.moved_on, mql.still_in_stage) == (3, 1)
    assert (mql.p25_days, mql.median_days, mql.p75_days, mql.p90_days) == pytest.approx(
        (2.5, 3.0, 3.5, 3.8)
    )
    # SAL and opportunity at one instant: SAL lasted 0 days, the opportunity 30
    assert (times["sal"].moved_on, times["sal"].median_days) == (1, 0.0)
    assert (times["opportunity"].moved_on, times["opportunity"].p90_days) == (1, 30.0)
    customer = times["customer"]
    assert (customer.moved_on, customer.still_in_stage, customer.median_days) == (0, 1, None)


def test_velocity_is_open_deals_times_win_rate_times_size_over_cycle():
    result = funnel_run(moves_table(), QUARTER, deals=deals_table())

    v = result.velocity
    assert v is not None
    # open at the end: 4, 5 and 6 (won only after the end); won 1 and 2, lost 3
    assert (v.open_deals, v.won, v.lost) == (3, 2, 1)
    assert v.win_rate == pytest.approx(2 / 3)
    assert v.average_deal_size == pytest.approx(2000.0)
    assert v.cycle_days == pytest.approx(45.0)
    assert v.per_day == pytest.approx(3 * (2 / 3) * 2000 / 45)
    assert v.per_period == pytest.approx(3 * (2 / 3) * 2000 / 45 * 89.5)  # Jan 1 → Mar 31 noon


def test_velocity_by_source():
    params = QUARTER.model_copy(update={"cohort_by": "source"})

    result = funnel_run(moves_table(), params, deals=deals_table())

    by_key = {v.key: v for v in result.velocity_by_cohort}
    assert (by_key["email"].open_deals, by_key["email"].win_rate) == (2, 0.5)
    assert by_key["email"].per_day == pytest.approx(2 * 0.5 * 1000 / 60)
    assert by_key["search"].per_day == pytest.approx(1 * 1.0 * 3000 / 30)


def test_velocity_without_wins_is_none_not_nan():
    deals = deals_table([(1, day(1, 2), None, 100.0, "open", "email")])

    result = funnel_run(moves_table(), QUARTER, deals=deals)

    assert result.velocity is not None
    assert (result.velocity.open_deals, result.velocity.win_rate) == (1, None)
    assert result.velocity.per_day is None


def test_the_default_end_is_the_last_move():
    result = funnel_run(moves_table(), FunnelInput(period="month"))

    assert (result.start, result.end) == (dt.datetime(2026, 4, 1), day(4, 2))
    assert result.total.entered == 1


def test_weighted_quantile_matches_numpy_on_the_repeated_values():
    values, counts = np.array([5.0, 1.0, 3.0]), np.array([2, 3, 1])
    repeated = np.repeat(values, counts)

    for q in (0.0, 0.25, 0.5, 0.9, 1.0):
        assert weighted_quantile(values, counts, q) == pytest.approx(np.quantile(repeated, q))


def test_bad_input_says_what_is_wrong():
    with pytest.raises(InputError, match="lacks the column.*to_stage"):
        funnel_run(moves_table().drop(["to_stage"]), QUARTER)
    with pytest.raises(InputError, match="lacks the column.*segment"):
        funnel_run(
            moves_table().drop(["segment"]), QUARTER.model_copy(update={"cohort_by": "segment"})
        )
    with pytest.raises(EmptyInputError):
        funnel_run(moves_table().slice(0, 0), QUARTER)
    bad_deals = deals_table([(1, day(1, 2), day(1, 5), -5.0, "maybe", "email")])
    with pytest.raises(InputError, match="negative amount; 1 row\\(s\\) with unknown outcome"):
        funnel_run(moves_table(), QUARTER, deals=bad_deals)
    with pytest.raises(ValidationError, match="each stage may appear once"):
        FunnelInput(stages=("lead", "lead"))
    with pytest.raises(ValidationError, match="period"):
        FunnelInput(period="fortnight")


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "postgres"])
def test_the_same_funnel_on_every_backend(backend, tmp_path):
    params = QUARTER.model_copy(update={"cohort_by": "source"})
    expected = funnel_run(moves_table(), params, deals=deals_table())

    with loaded(backend, moves_table(), tmp_path) as moves:
        backend_connection = moves.get_backend()
        name = f"funnel_deals_{uuid.uuid4().hex[:12]}"
        backend_connection.create_table(name, schema=ibis.Schema.from_pyarrow(deals_table().schema))
        if backend == "sqlite":  # Ibis cannot insert a null timestamp into SQLite (NaT)
            rows = [tuple(row.values()) for row in deals_table().to_pylist()]
            backend_connection.con.executemany(f"INSERT INTO {name} VALUES (?,?,?,?,?,?)", rows)  # noqa: S608 — our own name
        else:
            backend_connection.insert(name, deals_table())
        try:
            result = funnel_run(moves, params, deals=backend_connection.table(name))
        finally:
            backend_connection.drop_table(name)

    assert result.backend == backend
    assert result.cohorts == expected.cohorts
    assert result.time_in_stage == expected.time_in_stage
    assert result.velocity_by_cohort == expected.velocity_by_cohort
