"""The reports Tandem runs on its own data: each a typed input, a feeder and an analysis.

Every report registers here with its input (a pydantic model the pages and the API share, built
from the analytics package's own inputs), the record type of the permission matrix that guards
it, and the function that feeds the CRM's tables to the analysis. Pages and API handlers look
reports up by name; nothing else dispatches on the kind of report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.attribution.inputs import AttributionResult
from tandem.analytics.base import Params, Result
from tandem.analytics.clocks import Clock
from tandem.analytics.clv import CLVInput, clv_run
from tandem.analytics.clv import analysis as clv_analysis
from tandem.analytics.clv import queries as clv_queries
from tandem.analytics.clv.bgnbd import BgNbdFit
from tandem.analytics.clv.gamma_gamma import GammaGammaFit
from tandem.analytics.clv.inputs import CLVResult
from tandem.analytics.errors import AnalyticsError, LimitExceededError
from tandem.analytics.forecast import ForecastInput, ForecastResult, forecast_run
from tandem.analytics.funnel import DEFAULT_STAGES, FunnelInput, FunnelResult, funnel_run
from tandem.analytics.mmm import MMMInput, MMMResult, mmm_run
from tandem.analytics.profitability import (
    ProfitabilityInput,
    ProfitabilityResult,
    profitability_run,
)
from tandem.reports import feeders

Progress = Callable[[int, str], None]
SHARED = "shared_report"
MARKETING = "marketing_report"
MAX_CUSTOMERS = 2_000_000


# -- inputs: what a page or an API client may ask for ------------------------------------------


class AttributionReportInput(Params):
    """Attribution of one conversion to channels, campaigns or content, every model at once."""

    conversion: Literal["lead", "deal", "revenue"] = Field(
        default="revenue",
        description="lead created, deal created, or won revenue (value = the won amounts).",
    )
    group_by: Literal["channel", "campaign", "content"] = Field(
        default="channel", description="What earns the credit."
    )
    lookback_days: float | None = Field(
        default=90, gt=0, le=1095, description="Touches at most this many days before the end."
    )
    half_life_days: float = Field(default=7.0, gt=0, le=365, description="Time-decay half-life.")
    models: tuple[AttributionModel, ...] = Field(
        default=tuple(AttributionModel), min_length=1, description="Models to compute."
    )

    def analysis_input(self) -> AttributionInput:
        return AttributionInput(
            models=self.models,
            group_by="channel",  # the feeder puts the chosen key in the channel column
            lookback_days=self.lookback_days,
            half_life_days=self.half_life_days,
        )


class LifetimeReportInput(Params):
    """Repeat purchases and lifetime value, and the marathon view by acquisition."""

    group_by: Literal["campaign", "channel", "segment"] = Field(
        default="campaign", description="Group customers by what acquired them."
    )
    segment_by: feeders.SegmentBy = Field(default="industry", description="The account field.")
    time_unit_days: float = Field(default=7.0, gt=0, le=366)
    horizon_periods: int = Field(default=12, ge=1, le=120)
    discount_rate: float = Field(default=0.01, ge=0, lt=1)


class FunnelReportInput(Params):
    """The funnel, time in stage and velocity on a sales or marketing clock."""

    period: Clock = Field(default=Clock.QUARTER, description="week, month, quarter, 6m, 12m, 18m")
    cohort_by: Literal["month", "source", "segment"] | None = Field(
        default=None, description="Split by month of entry, source or segment."
    )
    segment_by: feeders.SegmentBy = Field(default="industry")
    stages: tuple[str, ...] = Field(default=DEFAULT_STAGES, min_length=2)


class ProfitabilityReportInput(Params):
    """Revenue, margin, acquisition cost and CLV/CAC by channel, segment or campaign."""

    group_by: Literal["channel", "segment", "campaign"] = Field(default="channel")
    period: Clock = Field(default=Clock.ROLLING_12)
    segment_by: feeders.SegmentBy = Field(default="industry")
    with_clv: bool = Field(default=True)


class ForecastReportInput(Params):
    """The open pipeline's expected wins over a horizon, with an interval."""

    horizon_days: float = Field(default=90.0, gt=0, le=730, description="Days ahead.")
    interval: float = Field(default=0.8, gt=0, lt=1, description="Probability covered.")


class MediaMixReportInput(Params):
    """Carry-over of spend into won revenue, by channel."""

    adstock: Literal["geometric", "weibull"] = Field(default="geometric")
    max_lag_weeks: int = Field(default=13, ge=1, le=52)


# -- results that are the reports' own --------------------------------------------------------


class LifetimeGroup(BaseModel):
    """Customers acquired by one campaign, channel or segment, and what they are worth."""

    model_config = ConfigDict(frozen=True)

    key: str
    customers: int
    repeat_customers: int
    revenue: float = Field(description="Won so far.")
    mean_p_alive: float | None = None
    expected_purchases: float | None = Field(default=None, description="Over the horizon.")
    expected_value: float | None = Field(default=None, description="Over the horizon.")

    @property
    def repeat_rate(self) -> float:
        return self.repeat_customers / self.customers if self.customers else 0.0

    @property
    def revenue_per_customer(self) -> float:
        return self.revenue / self.customers if self.customers else 0.0

    @property
    def lifetime_value(self) -> float | None:
        """Revenue so far plus the expected value, per customer."""
        if self.expected_value is None or not self.customers:
            return None
        return (self.revenue + self.expected_value) / self.customers


class LifetimeCustomer(BaseModel):
    """One customer's history and outlook."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    key: str
    purchases: int
    revenue: float
    p_alive: float
    expected_purchases: float
    expected_value: float


class LifetimeReport(Result):
    """The fit (when it converged), the groups and the most valuable customers."""

    group_by: str
    fit: CLVResult | None
    note: str = ""
    groups: tuple[LifetimeGroup, ...]
    top_customers: tuple[LifetimeCustomer, ...] = ()


# -- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportType:
    """A report: its input and result types, who may read it, and how it is computed."""

    name: str
    title: str
    input: type[Params]
    result: type[BaseModel]
    compute: Callable[[Any, Progress], BaseModel]
    resource_for: Callable[[Any], str]


REPORTS: dict[str, ReportType] = {}


def register(
    name: str,
    *,
    title: str,
    input: type[Params],
    result: type[BaseModel],
    resource_for: Callable[[Any], str],
) -> Callable[[Callable[[Any, Progress], BaseModel]], Callable[[Any, Progress], BaseModel]]:
    def decorate(compute: Callable[[Any, Progress], BaseModel]):
        REPORTS[name] = ReportType(name, title, input, result, compute, resource_for)
        return compute

    return decorate


def _attribution_resource(params: AttributionReportInput) -> str:
    # Sales reads the totals by channel; campaigns and content are marketing's detail.
    return SHARED if params.group_by == "channel" else MARKETING


@register(
    "attribution",
    title="Attribution",
    input=AttributionReportInput,
    result=AttributionResult,
    resource_for=_attribution_resource,
)
def attribution_compute(params: AttributionReportInput, progress: Progress) -> BaseModel:
    progress(10, "reading touches and conversions")
    db = feeders.database()
    journeys = feeders.journeys(db, conversion=params.conversion, group_by=params.group_by)
    table = feeders.prepared(journeys)
    progress(30, "crediting touches under every model")
    return attribution_run(table, params.analysis_input())


@register(
    "funnel",
    title="Funnel and velocity",
    input=FunnelReportInput,
    result=FunnelResult,
    resource_for=lambda params: SHARED,
)
def funnel_compute(params: FunnelReportInput, progress: Progress) -> BaseModel:
    progress(10, "reading lifecycle moves and deals")
    db = feeders.database()
    analysis = FunnelInput(
        stages=params.stages,
        period=params.period,
        as_of=feeders.now(),
        cohort_by=params.cohort_by,
    )
    return funnel_run(
        feeders.prepared(feeders.lifecycle_moves(db, segment_by=params.segment_by)),
        analysis,
        deals=feeders.prepared(feeders.pipeline_deals(db, segment_by=params.segment_by)),
    )


@register(
    "profitability",
    title="Profitability",
    input=ProfitabilityReportInput,
    result=ProfitabilityResult,
    resource_for=lambda params: MARKETING,
)
def profitability_compute(params: ProfitabilityReportInput, progress: Progress) -> BaseModel:
    progress(10, "reading customers, won deals and spend")
    db = feeders.database()
    analysis = ProfitabilityInput(
        group_by=params.group_by,
        period=params.period,
        as_of=feeders.now(),
        with_clv=params.with_clv,
    )
    return profitability_run(
        feeders.prepared(feeders.acquisitions(db, segment_by=params.segment_by)),
        analysis,
        deals=feeders.prepared(feeders.won_deals(db)),
        spend=feeders.spend_lines(),
    )


@register(
    "lifetime",
    title="Lifetime value",
    input=LifetimeReportInput,
    result=LifetimeReport,
    resource_for=lambda params: MARKETING,
)
def lifetime_compute(params: LifetimeReportInput, progress: Progress) -> BaseModel:
    progress(10, "reading won deals as purchases")
    db = feeders.database()
    end = feeders.now()
    clv_params = CLVInput(
        observed_until=end,
        time_unit_days=params.time_unit_days,
        horizon_periods=params.horizon_periods,
        discount_rate=params.discount_rate,
    )
    purchases = feeders.purchases(db)
    fit: CLVResult | None = None
    note = ""
    try:
        fit = clv_run(purchases, clv_params)
        if fit.spend_model is None:
            note = "the spend model could not be fitted"
    except AnalyticsError as error:
        note = f"The lifetime-value models could not be fitted on these purchases: {error}."
    progress(60, "valuing customers by acquisition")
    rows = clv_queries.purchase_rows(purchases)
    end_day = (end - clv_analysis.EPOCH).days
    per_customer = clv_queries.customers(rows, end_day)
    totals = (
        rows.filter(rows.day <= end_day)
        .group_by("customer_id")
        .aggregate(revenue=rows.amount.sum())
    )
    acquired = feeders.acquisitions(db, segment_by=params.segment_by)
    joined = per_customer.join(totals, "customer_id")
    joined = joined.join(acquired, "customer_id")
    table = joined.select(
        customer_id=joined.customer_id,
        key=joined[params.group_by],
        x=joined.x,
        t_x=joined.t_x,
        T=joined["T"],
        repeat_spend=joined.repeat_spend,
        revenue=joined.revenue,
    )
    data = table.limit(MAX_CUSTOMERS + 1).to_pyarrow()
    if data.num_rows > MAX_CUSTOMERS:
        raise LimitExceededError(f"more than {MAX_CUSTOMERS:,} customers to value")
    return _lifetime_report(params, clv_params, fit, note, data)


def _lifetime_report(
    params: LifetimeReportInput, clv_params: CLVInput, fit: CLVResult | None, note: str, data: Any
) -> LifetimeReport:
    columns = {name: data[name].to_numpy(zero_copy_only=False) for name in data.column_names}
    keys = np.asarray([str(k) for k in data["key"].to_pylist()], dtype=object)
    ids = [str(c) for c in data["customer_id"].to_pylist()]
    x = np.asarray(columns["x"], dtype=float)
    t_x, T = np.asarray(columns["t_x"], dtype=float), np.asarray(columns["T"], dtype=float)
    revenue = np.asarray(columns["revenue"], dtype=float)
    m = np.where(x > 0, np.asarray(columns["repeat_spend"], dtype=float) / np.maximum(x, 1), 0.0)
    alive = expected = value = None
    if fit is not None and fit.spend_model is not None:
        purchases = BgNbdFit(**fit.purchase_model.model_dump())
        spend = GammaGammaFit(**fit.spend_model.model_dump(exclude={"customers"}))
        unit = clv_params.time_unit_days
        horizon = clv_params.horizon_periods * clv_params.period_days / unit
        alive = purchases.p_alive(x, t_x / unit, T / unit)
        expected = purchases.expected_purchases(horizon, x, t_x / unit, T / unit)
        value = clv_analysis.lifetime_value(purchases, spend, clv_params, x, t_x, T, m)
    groups = []
    for key in sorted(set(keys.tolist())):
        mask = keys == key
        groups.append(
            LifetimeGroup(
                key=key,
                customers=int(mask.sum()),
                repeat_customers=int((x[mask] > 0).sum()),
                revenue=float(revenue[mask].sum()),
                mean_p_alive=float(alive[mask].mean()) if alive is not None else None,
                expected_purchases=float(expected[mask].sum()) if expected is not None else None,
                expected_value=float(value[mask].sum()) if value is not None else None,
            )
        )
    # Largest total first: what the group's customers brought and are expected to bring.
    groups.sort(key=lambda g: (-(g.revenue + (g.expected_value or 0.0)), g.key))
    top: list[LifetimeCustomer] = []
    if value is not None and alive is not None and expected is not None:
        for i in np.argsort(-(value + revenue), kind="stable")[:20]:
            top.append(
                LifetimeCustomer(
                    customer_id=ids[i],
                    key=str(keys[i]),
                    purchases=int(x[i]) + 1,
                    revenue=float(revenue[i]),
                    p_alive=float(alive[i]),
                    expected_purchases=float(expected[i]),
                    expected_value=float(value[i]),
                )
            )
    return LifetimeReport(
        group_by=params.group_by, fit=fit, note=note, groups=tuple(groups), top_customers=tuple(top)
    )


@register(
    "forecast",
    title="Pipeline forecast",
    input=ForecastReportInput,
    result=ForecastResult,
    resource_for=lambda params: SHARED,
)
def forecast_compute(params: ForecastReportInput, progress: Progress) -> BaseModel:
    progress(10, "reading the deals' stage history")
    visits = feeders.prepared(feeders.stage_visits(feeders.database()))
    progress(40, "drawing the won amount")
    analysis = ForecastInput(
        as_of=feeders.now(),
        horizon_days=params.horizon_days,
        interval=params.interval,
        unseen_stages="skip",
    )
    return forecast_run(visits, analysis)


@register(
    "mediamix",
    title="Media mix (carry-over)",
    input=MediaMixReportInput,
    result=MMMResult,
    resource_for=lambda params: MARKETING,
)
def mediamix_compute(params: MediaMixReportInput, progress: Progress) -> BaseModel:
    progress(10, "summing spend and won revenue by week")
    outcome = feeders.weekly_revenue(feeders.database())
    spend, spread = feeders.weekly_spend()
    progress(30, "fitting adstock, saturation and effects")
    analysis = MMMInput(adstock=params.adstock, max_lag_weeks=params.max_lag_weeks)
    result = mmm_run(spend, outcome, analysis)
    notes = (spend_note(spread), "Outcome: revenue won per week.")
    return result.model_copy(update={"notes": (*result.notes, *notes)})


def spend_note(spread: list[str]) -> str:
    """Where the media mix's spend came from, naming the campaigns costed by their budget."""
    if not spread:
        return "Spend: the campaigns' dated spend lines, summed per week."
    listed = ", ".join(spread[:MAX_NAMED_CAMPAIGNS])
    more = len(spread) - MAX_NAMED_CAMPAIGNS
    return (
        "Spend: the campaigns' dated spend lines, summed per week; "
        f"{len(spread)} campaign(s) without spend lines counted as their budget spread evenly "
        f"over their dates: {listed}" + (f" and {more} more" if more > 0 else "") + "."
    )


MAX_NAMED_CAMPAIGNS = 10

# The media mix searches its parameters from several starts: always in the worker.
ALWAYS_IN_BACKGROUND = frozenset({"mediamix"})


def report_type(name: str) -> ReportType:
    """The registered report ``name``; KeyError for an unknown one."""
    return REPORTS[name]
