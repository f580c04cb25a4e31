"""Profitability: revenue, margin, acquisition cost, lifetime value and CLV/CAC per group.

Where can the company compete profitably? Three tables, grouped by ``channel``, ``segment`` or
``campaign``:

**customers** — one row per customer: ``customer_id``, ``acquired_at`` (the first win),
``channel``, ``segment`` and optionally ``campaign`` (what acquired them).

**deals** — one row per won deal: ``customer_id``, ``closed_at``, ``amount`` (≥ 0) and optionally
``cost`` (≥ 0; null when unknown).

**spend** — one row per spend line: ``spent_on``, ``amount`` (≥ 0), ``channel`` and optionally
``campaign`` and ``segment``.

Rules (see ``docs/analytics.md``): revenue and margin count the deals won in the period by the
group's customers; margin only counts deals with a known cost; new customers are those acquired
in the period; acquisition cost (CAC) is the group's spend in the period over its new
customers. Spend without a segment is shared among segments in proportion to the new customers
each segment won through that channel (spend of a channel that won nobody stays
``(unallocated)``). CLV is the revenue a new customer brought so far plus the discounted
revenue BG/NBD and Gamma-Gamma expect from them over the horizon (fitted on every customer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt_
import numpy as np
import pyarrow as pa
from ibis import _
from pydantic import BaseModel, ConfigDict, Field

from tandem.analytics.base import FILE_READERS, Analysis, Limits, Params, Result, open_table
from tandem.analytics.clocks import Clock, period_window
from tandem.analytics.clv import CLVInput
from tandem.analytics.clv import analysis as clv_analysis
from tandem.analytics.clv import queries as clv_queries
from tandem.analytics.clv.bgnbd import BgNbdFit
from tandem.analytics.clv.gamma_gamma import GammaGammaFit
from tandem.analytics.errors import AnalyticsError, EmptyInputError, InputError

NONE_KEY = "(none)"
UNALLOCATED = "(unallocated)"
CUSTOMER_COLUMNS = ("customer_id", "acquired_at", "channel", "segment")
DEAL_COLUMNS = ("customer_id", "closed_at", "amount")
SPEND_COLUMNS = ("spent_on", "amount", "channel")


class ProfitabilityInput(Params):
    """How to group, which period, and whether to value customers with the CLV models."""

    group_by: Literal["channel", "segment", "campaign"] = Field(
        default="channel", description="The column profitability is grouped by."
    )
    period: Clock = Field(
        default=Clock.ROLLING_12, description="week, month, quarter, 6m, 12m or 18m."
    )
    as_of: dt.datetime | None = Field(
        default=None, description="End of the period. Default: the last won deal."
    )
    with_clv: bool = Field(default=True, description="Fit BG/NBD + Gamma-Gamma for CLV.")
    clv: CLVInput = Field(
        default_factory=CLVInput, description="Options of the lifetime-value models."
    )


class GroupProfit(BaseModel):
    """One group's money: what it earned, what it kept, what it cost to win, what it is worth."""

    model_config = ConfigDict(frozen=True)

    key: str
    revenue: float
    margin: float | None = Field(description="Revenue − cost of the deals with a known cost.")
    margin_rate: float | None = Field(description="margin / revenue of the costed deals")
    new_customers: int
    spend: float
    cac: float | None = Field(description="spend / new customers")
    clv: float | None = Field(description="Average lifetime value of the new customers.")
    clv_to_cac: float | None


class ProfitabilityResult(Result):
    """Per group, largest revenue first, and the whole company as ``total``."""

    group_by: str
    period: Clock
    start: dt.datetime
    end: dt.datetime
    groups: tuple[GroupProfit, ...]
    total: GroupProfit
    clv_note: str = Field(default="", description="Why CLV is missing, when it is.")

    def by_key(self) -> dict[str, GroupProfit]:
        """``{key: group}``."""
        return {group.key: group for group in self.groups}


@dataclass(frozen=True)
class ProfitSummary:
    start: dt.datetime
    end: dt.datetime
    money: pa.Table
    acquired: pa.Table
    spend: pa.Table
    allocation: pa.Table | None
    clv_rows: pa.Table | None
    purchase_fit: BgNbdFit | None
    spend_fit: GammaGammaFit | None
    clv_note: str


def _timestamp(column: ibis.Column) -> ibis.Column:
    return column if column.type().is_timestamp() else column.cast(dt_.timestamp)


def _key(column: ibis.Column) -> ibis.Column:
    text = column.cast(dt_.string).fill_null(NONE_KEY)
    return ibis.ifelse(text == "", NONE_KEY, text)


def _require(table: ibis.Table, columns: tuple[str, ...], name: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise InputError(f"the {name} table lacks the column(s): {', '.join(missing)}")


class Profitability(Analysis[ProfitabilityInput, ProfitSummary, ProfitabilityResult]):
    """Revenue, margin, CAC, CLV and CLV/CAC per channel, segment or campaign."""

    name = "profitability"

    def __init__(
        self,
        customers: ibis.Table,
        params: ProfitabilityInput,
        *,
        deals: ibis.Table,
        spend: ibis.Table,
        limits: Limits | None = None,
    ):
        super().__init__(customers, params, limits=limits)
        self.deals = deals
        self.spend = spend

    def _tables(self) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
        group = self.params.group_by
        customers, deals, spend = self.table, self.deals, self.spend
        _require(
            customers,
            CUSTOMER_COLUMNS + (("campaign",) if group == "campaign" else ()),
            "customers",
        )
        _require(deals, DEAL_COLUMNS, "deals")
        _require(spend, SPEND_COLUMNS + (("campaign",) if group == "campaign" else ()), "spend")
        customers = customers.select(
            customer_id=customers.customer_id,
            acquired_at=_timestamp(customers.acquired_at),
            key=_key(customers[group]),
            channel=_key(customers.channel),
        )
        cost = deals.cost.cast(dt_.float64) if "cost" in deals.columns else ibis.null(dt_.float64)
        deals = deals.select(
            customer_id=deals.customer_id,
            closed_at=_timestamp(deals.closed_at),
            amount=deals.amount.cast(dt_.float64),
            cost=cost,
        )
        segment = (
            spend.segment.cast(dt_.string) if "segment" in spend.columns else ibis.null(dt_.string)
        )
        spend = spend.select(
            spent_at=_timestamp(spend.spent_on),
            amount=spend.amount.cast(dt_.float64),
            channel=_key(spend.channel),
            campaign=_key(spend.campaign)
            if "campaign" in spend.columns
            else ibis.literal(NONE_KEY),
            segment=segment,
        )
        return customers, deals, spend

    def _check(self, deals: ibis.Table, spend: ibis.Table) -> dt.datetime:
        found = self.fetch(
            deals.aggregate(
                rows=_.count(),
                last=deals.closed_at.max(),
                negative_amount=(deals.amount < 0).sum(),
                negative_cost=(deals.cost < 0).sum(),
                missing_closed_at=deals.closed_at.isnull().sum(),
            ),
            what="deal check",
        ).to_pylist()[0]
        if not found.pop("rows"):
            raise EmptyInputError("the deals table has no rows")
        last = found.pop("last")
        problems = [f"{n:,} deal(s) with {k.replace('_', ' ')}" for k, n in found.items() if n]
        negative_spend = self.fetch(
            spend.aggregate(n=(spend.amount < 0).sum()), what="spend check"
        ).to_pylist()[0]["n"]
        if negative_spend:
            problems.append(f"{negative_spend:,} spend line(s) with negative amount")
        if problems:
            raise InputError("the input has " + "; ".join(problems))
        as_of = self.params.as_of or last
        if as_of.tzinfo is not None:  # PostgreSQL's timestamptz comes back aware
            as_of = as_of.astimezone(dt.UTC).replace(tzinfo=None)
        return as_of

    def summarize(self) -> ProfitSummary:
        params = self.params
        customers, deals, spend = self._tables()
        start, end = period_window(params.period, self._check(deals, spend))
        lo, hi = ibis.literal(start, type=dt_.timestamp), ibis.literal(end, type=dt_.timestamp)

        won = deals.filter((deals.closed_at >= lo) & (deals.closed_at <= hi))
        joined = won.join(customers, won.customer_id == customers.customer_id)
        costed = joined.cost.notnull()
        money = self.fetch(
            joined.group_by("key").aggregate(
                revenue=joined.amount.sum(),
                costed_revenue=ibis.ifelse(costed, joined.amount, 0.0).sum(),
                cost=ibis.ifelse(costed, joined.cost, 0.0).sum(),
                costed_deals=ibis.ifelse(costed, 1, 0).sum(),
            ),
            what="revenue summary",
        )
        new = customers.filter((customers.acquired_at >= lo) & (customers.acquired_at <= hi))
        acquired = self.fetch(
            new.group_by("key").aggregate(new_customers=_.count()), what="new customers"
        )
        spent = spend.filter((spend.spent_at >= lo) & (spend.spent_at <= hi))
        allocation = None
        if params.group_by == "segment":
            direct = spent.filter(spent.segment.notnull())
            spend_summary = self.fetch(
                direct.group_by(key=direct.segment).aggregate(spend=direct.amount.sum()),
                what="spend summary",
            )
            shared = spent.filter(spent.segment.isnull())
            shared_spend = self.fetch(
                shared.group_by("channel").aggregate(spend=shared.amount.sum()),
                what="shared spend",
            )
            allocation = self.fetch(
                new.group_by(["channel", "key"]).aggregate(new_customers=_.count()),
                what="new customers by channel",
            )
            spend_summary = pa.concat_tables([spend_summary, _allocated(shared_spend, allocation)])
        else:
            column = spent[params.group_by]
            spend_summary = self.fetch(
                spent.group_by(key=column).aggregate(spend=spent.amount.sum()),
                what="spend summary",
            )
        clv_rows, purchase_fit, spend_fit, note = None, None, None, ""
        if params.with_clv:
            clv_rows, purchase_fit, spend_fit, note = self._clv(deals, new, end)
        return ProfitSummary(
            start,
            end,
            money,
            acquired,
            spend_summary,
            allocation,
            clv_rows,
            purchase_fit,
            spend_fit,
            note,
        )

    def _clv(
        self, deals: ibis.Table, new: ibis.Table, end: dt.datetime
    ) -> tuple[pa.Table | None, BgNbdFit | None, GammaGammaFit | None, str]:
        purchases = deals.select(
            customer_id=deals.customer_id, purchased_at=deals.closed_at, amount=deals.amount
        )
        clv_params = self.params.clv.model_copy(update={"observed_until": end})
        try:
            fitted = clv_analysis.CLV(purchases, clv_params, limits=self.limits).run()
        except AnalyticsError as error:
            return None, None, None, f"lifetime value could not be fitted: {error}"
        if fitted.spend_model is None:
            return None, None, None, "lifetime value needs the spend model"
        purchase_fit = BgNbdFit(**fitted.purchase_model.model_dump())
        spend_fit = GammaGammaFit(**fitted.spend_model.model_dump(exclude={"customers"}))
        rows = clv_queries.purchase_rows(purchases)
        end_day = (end - clv_analysis.EPOCH).days
        per_customer = clv_queries.customers(rows, end_day)
        totals = (
            rows.filter(rows.day <= end_day)
            .group_by("customer_id")
            .aggregate(revenue=rows.amount.sum())
        )
        valued = new.join(per_customer, new.customer_id == per_customer.customer_id).join(
            totals, new.customer_id == totals.customer_id
        )
        summary = self.fetch(
            valued.mutate(
                m=ibis.ifelse(valued.x > 0, valued.repeat_spend / valued.x.cast(dt_.float64), 0.0)
            )
            .group_by(["key", "x", "t_x", "T", "m"])
            .aggregate(customers=_.count(), revenue=_.revenue.sum()),
            what="lifetime value summary",
        )
        return summary, purchase_fit, spend_fit, ""

    def model(self, summary: ProfitSummary) -> ProfitabilityResult:
        rows: dict[str, dict[str, float]] = {}

        def row(key: Any) -> dict[str, float]:
            return rows.setdefault(str(key) if key is not None else NONE_KEY, {})

        def add(key: Any, name: str, value: Any) -> None:
            target = row(key)
            target[name] = target.get(name, 0.0) + float(value or 0.0)

        for item in summary.money.to_pylist():
            for name in ("revenue", "costed_revenue", "cost", "costed_deals"):
                add(item["key"], name, item[name])
        for item in summary.acquired.to_pylist():
            add(item["key"], "new_customers", item["new_customers"])
        for item in summary.spend.to_pylist():
            add(item["key"], "spend", item["spend"])
        if summary.clv_rows is not None:
            assert summary.purchase_fit is not None and summary.spend_fit is not None
            table = summary.clv_rows
            x, t_x, T, m, count, revenue = (
                np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=float)
                for name in ("x", "t_x", "T", "m", "customers", "revenue")
            )
            future = clv_analysis.lifetime_value(
                summary.purchase_fit, summary.spend_fit, self.params.clv, x, t_x, T, m
            )
            for key, value, n, past in zip(
                table["key"].to_pylist(), future * count, count, revenue, strict=True
            ):
                add(key, "clv_total", value + past)
                add(key, "clv_customers", n)
        groups = [_group(key, values, summary.clv_rows is not None) for key, values in rows.items()]
        groups.sort(key=lambda g: (-g.revenue, g.key))
        everything: dict[str, float] = {}
        for values in rows.values():
            for name, value in values.items():
                everything[name] = everything.get(name, 0.0) + value
        return ProfitabilityResult(
            group_by=self.params.group_by,
            period=self.params.period,
            start=summary.start,
            end=summary.end,
            groups=tuple(groups),
            total=_group("total", everything, summary.clv_rows is not None),
            clv_note=summary.clv_note,
        )


def _allocated(shared: pa.Table, allocation: pa.Table) -> pa.Table:
    """Spend without a segment, shared among segments by their new customers per channel."""
    won: dict[str, dict[str, int]] = {}
    for item in allocation.to_pylist():
        won.setdefault(str(item["channel"]), {})[str(item["key"])] = int(item["new_customers"])
    keys, amounts = [], []
    for item in shared.to_pylist():
        channel, amount = str(item["channel"]), float(item["spend"] or 0.0)
        segments = won.get(channel, {})
        total = sum(segments.values())
        if not total:
            keys.append(UNALLOCATED)
            amounts.append(amount)
            continue
        for key, count in segments.items():
            keys.append(key)
            amounts.append(amount * count / total)
    return pa.table({"key": pa.array(keys, pa.string()), "spend": pa.array(amounts, pa.float64())})


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _group(key: str, values: dict[str, float], with_clv: bool) -> GroupProfit:
    new_customers = int(values.get("new_customers", 0))
    spend = values.get("spend", 0.0)
    margin = None
    if values.get("costed_deals"):
        margin = values.get("costed_revenue", 0.0) - values.get("cost", 0.0)
    cac = _ratio(spend, new_customers) if spend else (0.0 if new_customers else None)
    clv = _ratio(values.get("clv_total"), values.get("clv_customers")) if with_clv else None
    return GroupProfit(
        key=key,
        revenue=values.get("revenue", 0.0),
        margin=margin,
        margin_rate=_ratio(margin, values.get("costed_revenue")),
        new_customers=new_customers,
        spend=spend,
        cac=cac,
        clv=clv,
        clv_to_cac=_ratio(clv, cac),
    )


def spend_from_budgets(campaigns: Any, *, until: dt.date | None = None) -> pa.Table:
    """Spend lines from campaign budgets: each budget spread evenly over its days.

    ``campaigns`` rows: ``campaign``, ``channel``, ``budget``, ``starts_on``, ``ends_on``. A
    campaign without an end runs until ``until`` (an always-on campaign; one day when no
    ``until`` is given, none when it starts later); without a start it is left out. One line
    per day.
    """
    rows = campaigns.to_pylist() if hasattr(campaigns, "to_pylist") else list(campaigns)
    spent_on, amount, channel, campaign = [], [], [], []
    for item in rows:
        start, stop = item["starts_on"], item["ends_on"] or until or item["starts_on"]
        if start is None or not item["budget"] or stop < start:
            continue
        days = max((stop - start).days + 1, 1)
        per_day = float(item["budget"]) / days
        for offset in range(days):
            spent_on.append(start + dt.timedelta(days=offset))
            amount.append(per_day)
            channel.append(item["channel"])
            campaign.append(item["campaign"])
    return pa.table(
        {
            "spent_on": pa.array(spent_on, pa.date32()),
            "amount": pa.array(amount, pa.float64()),
            "channel": pa.array(channel, pa.string()),
            "campaign": pa.array(campaign, pa.string()),
        }
    )


def profitability_run(
    customers: Any,
    params: ProfitabilityInput | None = None,
    *,
    deals: Any,
    spend: Any,
    limits: Limits | None = None,
) -> ProfitabilityResult:
    """Profitability per group from ``customers``, won ``deals`` and ``spend`` lines.

    Each table is anything :func:`~tandem.analytics.base.open_table` accepts.
    """
    # The customers and deals are joined: files are opened in one DuckDB, not one each.
    duckdb = ibis.duckdb.connect()

    def opened(source: Any) -> ibis.Table:
        reader = FILE_READERS.get(Path(str(source)).suffix.lower())
        if isinstance(source, str | Path) and reader and Path(source).exists():
            return getattr(duckdb, reader)(str(source))
        return open_table(source)

    return Profitability(
        opened(customers),
        params or ProfitabilityInput(),
        deals=opened(deals),
        spend=opened(spend),
        limits=limits,
    ).run()
