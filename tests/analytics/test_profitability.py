"""Profitability by channel, segment and campaign: revenue, margin, CAC, CLV and CLV/CAC."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from tandem.analytics.clv import CLVInput, clv_run
from tandem.analytics.clv import analysis as clv_analysis
from tandem.analytics.clv.bgnbd import BgNbdFit
from tandem.analytics.clv.gamma_gamma import GammaGammaFit
from tandem.analytics.clv.simulate import Truth, simulate_purchases
from tandem.analytics.errors import EmptyInputError, InputError
from tandem.analytics.profitability import (
    ProfitabilityInput,
    profitability_run,
    spend_from_budgets,
)

AS_OF = dt.datetime(2026, 3, 31, 12, 0)


def day(month: int, d: int, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, d, 10, 0)


def customers_table() -> pa.Table:
    return pa.table(
        {
            "customer_id": [1, 2, 3, 4],
            "acquired_at": pa.array(
                [day(1, 10), day(2, 1), day(6, 1, 2025), day(3, 1)], pa.timestamp("us")
            ),
            "channel": ["email", "search", "email", "email"],
            "segment": ["Retail", "Energy", "Energy", "Energy"],
            "campaign": ["newsletter", "always-on", "newsletter", "newsletter"],
        }
    )


def deals_table() -> pa.Table:
    return pa.table(
        {
            "customer_id": [1, 2, 3, 3, 4, 1],
            "closed_at": pa.array(
                [day(1, 10), day(2, 1), day(6, 1, 2025), day(2, 15), day(3, 1), day(4, 10)],
                pa.timestamp("us"),
            ),
            "amount": [1000.0, 3000.0, 500.0, 800.0, 2000.0, 999.0],
            "cost": pa.array([600.0, None, 100.0, 300.0, 1500.0, None], pa.float64()),
        }
    )


def spend_table() -> pa.Table:
    return pa.table(
        {
            "spent_on": pa.array(
                [
                    dt.date(2026, 1, 5),
                    dt.date(2026, 2, 5),
                    dt.date(2025, 12, 1),
                    dt.date(2026, 3, 5),
                    dt.date(2026, 3, 10),
                ],
                pa.date32(),
            ),
            "amount": [1200.0, 900.0, 5000.0, 300.0, 60.0],
            "channel": ["email", "search", "email", "events", "email"],
            "campaign": ["newsletter", "always-on", "newsletter", "expo", "newsletter"],
            "segment": pa.array([None, None, None, None, "Retail"], pa.string()),
        }
    )


def run(group_by: str):
    params = ProfitabilityInput(group_by=group_by, period="quarter", as_of=AS_OF, with_clv=False)
    return profitability_run(customers_table(), params, deals=deals_table(), spend=spend_table())


def figures(group) -> tuple:
    return (group.revenue, group.margin, group.new_customers, group.spend, group.cac)


def test_by_channel_revenue_margin_and_acquisition_cost():
    result = run("channel")

    groups = result.by_key()
    assert [g.key for g in result.groups] == ["email", "search", "events"]
    # email: deals of customers 1, 3 (a repeat) and 4 in the quarter; costs known for all three
    assert figures(groups["email"]) == (3800.0, 1400.0, 2, 1260.0, 630.0)
    assert groups["email"].margin_rate == pytest.approx(1400 / 3800)
    # search: no deal cost known, so no margin
    assert figures(groups["search"]) == (3000.0, None, 1, 900.0, 900.0)
    # events: spend without customers has no acquisition cost
    assert figures(groups["events"]) == (0.0, None, 0, 300.0, None)
    assert figures(result.total) == (6800.0, 1400.0, 3, 2460.0, 820.0)
    assert (result.start, result.end) == (dt.datetime(2026, 1, 1), AS_OF)


def test_by_segment_shares_channel_spend_by_new_customers():
    result = run("segment")

    groups = result.by_key()
    # email's 1,200 is shared by its new customers: one Retail (1), one Energy (4); Retail
    # also has 60 of its own; search's 900 all goes to Energy, whose new customer 2 it won
    assert figures(groups["Retail"]) == (1000.0, 400.0, 1, 660.0, 660.0)
    assert figures(groups["Energy"]) == (5800.0, 1000.0, 2, 1500.0, 750.0)
    assert figures(groups["(unallocated)"]) == (0.0, None, 0, 300.0, None)
    assert result.total.spend == 2460.0


def test_by_campaign():
    result = run("campaign")

    groups = result.by_key()
    assert figures(groups["newsletter"]) == (3800.0, 1400.0, 2, 1260.0, 630.0)
    assert figures(groups["always-on"]) == (3000.0, None, 1, 900.0, 900.0)
    assert figures(groups["expo"]) == (0.0, None, 0, 300.0, None)


def test_clv_is_past_revenue_plus_the_expected_future_of_new_customers():
    # given many customers who bought over a year, all acquired through one channel
    purchases = simulate_purchases(600, Truth(), max_age=300, seed=3, start=dt.datetime(2025, 6, 1))
    first = {}
    for row in purchases.to_pylist():
        cid = row["customer_id"]
        first[cid] = min(first.get(cid, row["purchased_at"]), row["purchased_at"])
    ids = sorted(first)
    customers = pa.table(
        {
            "customer_id": ids,
            "acquired_at": [first[i] for i in ids],
            "channel": ["email"] * len(ids),
            "segment": ["Retail"] * len(ids),
        }
    )
    deals = purchases.rename_columns(["customer_id", "closed_at", "amount"])
    end = max(row["closed_at"] for row in deals.to_pylist())
    spend = pa.table({"spent_on": [dt.date(2025, 7, 1)], "amount": [6000.0], "channel": ["email"]})
    params = ProfitabilityInput(period="18m", as_of=end)

    # when profitability values the customers
    result = profitability_run(customers, params, deals=deals, spend=spend)

    # then CLV is what the CLV models say, customer by customer, averaged
    fitted = clv_run(
        deals.rename_columns(["customer_id", "purchased_at", "amount"]),
        CLVInput(observed_until=end),
    )
    purchase_fit = BgNbdFit(**fitted.purchase_model.model_dump())
    assert fitted.spend_model is not None
    spend_fit = GammaGammaFit(**fitted.spend_model.model_dump(exclude={"customers"}))
    expected = []
    by_customer: dict = {}
    for row in deals.to_pylist():
        by_customer.setdefault(row["customer_id"], {}).setdefault(row["closed_at"].date(), 0.0)
        by_customer[row["customer_id"]][row["closed_at"].date()] += row["amount"]
    end_day = end.date()
    for days in by_customer.values():
        ordered = sorted(days)
        x = len(ordered) - 1
        t_x = (ordered[-1] - ordered[0]).days
        T = (end_day - ordered[0]).days
        m = (sum(days.values()) - days[ordered[0]]) / x if x else 0.0
        future = clv_analysis.lifetime_value(
            purchase_fit, spend_fit, CLVInput(), *(np.array([v]) for v in (x, t_x, T, m))
        )
        expected.append(sum(days.values()) + float(future[0]))
    email = result.by_key()["email"]
    assert email.new_customers == len(ids)
    assert email.clv == pytest.approx(np.mean(expected), rel=1e-9)
    assert email.cac == pytest.approx(6000.0 / len(ids))
    assert email.clv_to_cac == pytest.approx(np.mean(expected) / (6000.0 / len(ids)))
    assert result.clv_note == ""


def test_clv_that_cannot_be_fitted_says_why_and_gives_no_number():
    params = ProfitabilityInput(group_by="channel", period="quarter", as_of=AS_OF)

    result = profitability_run(customers_table(), params, deals=deals_table(), spend=spend_table())

    assert result.by_key()["email"].clv is None
    assert result.clv_note.startswith("lifetime value could not be fitted")


def test_spend_from_budgets_spreads_each_budget_over_its_days():
    campaigns = [
        {
            "campaign": "expo",
            "channel": "events",
            "budget": 300,
            "starts_on": dt.date(2026, 3, 1),
            "ends_on": dt.date(2026, 3, 3),
        },
        {
            "campaign": "always-on",
            "channel": "search",
            "budget": 50,
            "starts_on": dt.date(2026, 3, 1),
            "ends_on": None,
        },
        {"campaign": "idea", "channel": "pr", "budget": 10, "starts_on": None, "ends_on": None},
    ]

    lines = spend_from_budgets(campaigns).to_pylist()
    until_the_2nd = spend_from_budgets(campaigns, until=dt.date(2026, 3, 2)).to_pylist()

    assert [(r["spent_on"], r["campaign"], r["amount"]) for r in lines] == [
        (dt.date(2026, 3, 1), "expo", 100.0),
        (dt.date(2026, 3, 2), "expo", 100.0),
        (dt.date(2026, 3, 3), "expo", 100.0),
        (dt.date(2026, 3, 1), "always-on", 50.0),
    ]
    # an always-on campaign runs until the given day
    assert [
        (r["spent_on"], r["amount"]) for r in until_the_2nd if r["campaign"] == "always-on"
    ] == [
        (dt.date(2026, 3, 1), 25.0),
        (dt.date(2026, 3, 2), 25.0),
    ]


def test_bad_input_says_what_is_wrong():
    params = ProfitabilityInput(period="quarter", as_of=AS_OF, with_clv=False)
    with pytest.raises(InputError, match="customers table lacks the column.*segment"):
        profitability_run(
            customers_table().drop(["segment"]), params, deals=deals_table(), spend=spend_table()
        )
    with pytest.raises(EmptyInputError):
        profitability_run(
            customers_table(), params, deals=deals_table().slice(0, 0), spend=spend_table()
        )
    negative = deals_table().set_column(2, "amount", pa.array([-1.0, 1, 1, 1, 1, 1], pa.float64()))
    with pytest.raises(InputError, match="1 deal\\(s\\) with negative amount"):
        profitability_run(customers_table(), params, deals=negative, spend=spend_table())
    with pytest.raises(InputError, match="campaign"):
        profitability_run(
            customers_table().drop(["campaign"]),
            params.model_copy(update={"group_by": "campaign"}),
            deals=deals_table(),
            spend=spend_table(),
        )
