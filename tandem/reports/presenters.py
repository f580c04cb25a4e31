"""Results shaped for the pages: table rows, chart data, labels. No queries but names."""

from __future__ import annotations

from typing import Any

from tandem.analytics.attribution import AttributionModel
from tandem.analytics.attribution.inputs import AttributionResult
from tandem.analytics.clocks import MARKETING_CLOCK, SALES_CLOCK
from tandem.analytics.forecast import ForecastResult
from tandem.analytics.funnel import FunnelResult
from tandem.analytics.mmm import MMMResult
from tandem.analytics.profitability import ProfitabilityResult
from tandem.people.lifecycle import Stage
from tandem.people.models import Account, Channel, Contact
from tandem.reports import charts
from tandem.reports.analyses import LifetimeReport

CHART_KEYS = 12
MODEL_LABELS = {
    AttributionModel.FIRST_TOUCH: "First touch",
    AttributionModel.LAST_TOUCH: "Last touch",
    AttributionModel.LINEAR: "Linear",
    AttributionModel.TIME_DECAY: "Time decay",
    AttributionModel.POSITION_BASED: "U-shaped",
    AttributionModel.W_SHAPED: "W-shaped",
    AttributionModel.FULL_PATH: "Full path",
    AttributionModel.MARKOV: "Markov",
    AttributionModel.SHAPLEY: "Shapley",
}
PERIOD_LABELS = {
    "week": "This week",
    "month": "This month",
    "quarter": "This quarter",
    "6m": "Last 6 months",
    "12m": "Last 12 months",
    "18m": "Last 18 months",
}
CONVERSIONS = {"lead": "Leads created", "deal": "Deals created", "revenue": "Won revenue"}
CONVERTED = {"lead": "Became leads", "deal": "Had a deal opened", "revenue": "Bought"}
GROUPINGS = {"channel": "Channel", "campaign": "Campaign", "content": "Content"}
CHANNEL_LABELS = dict(Channel.choices)
STAGE_LABELS = dict(Stage.choices)


def label(key: str, group_by: str) -> str:
    """A channel's or stage's readable name; anything else as it is."""
    if group_by in ("channel", "source"):
        return CHANNEL_LABELS.get(key, key.replace("_", " ").capitalize() if key else key)
    if group_by == "content":
        return key.replace("_", " ").capitalize()
    return key


def periods() -> dict[str, list[tuple[str, str]]]:
    return {
        "sales": [(p.value, PERIOD_LABELS[p.value]) for p in SALES_CLOCK],
        "marketing": [(p.value, PERIOD_LABELS[p.value]) for p in MARKETING_CLOCK],
    }


def attribution_view(result: AttributionResult, params: Any) -> dict[str, Any]:
    by_value = params.conversion == "revenue"
    models = [m.model for m in result.models]
    credit = {
        m.model: (m.value_by_key() if by_value else m.conversions_by_key()) for m in result.models
    }
    ranking = credit.get(AttributionModel.LINEAR) or credit[models[0]]
    keys = sorted(result.keys, key=lambda k: (-ranking.get(k, 0.0), k))
    markov = next((m for m in result.models if m.model == AttributionModel.MARKOV), None)
    rows = [
        {
            "key": label(key, params.group_by),
            "credits": [credit[m].get(key, 0.0) for m in models],
            "removal_effect": (markov.removal_effects or {}).get(key) if markov else None,
        }
        for key in keys
    ]
    chart_rows = [
        {"key": label(key, params.group_by), "model": MODEL_LABELS[m], "credit": credit[m][key]}
        for key in keys[:CHART_KEYS]
        for m in models
    ]
    what = "Revenue credited" if by_value else "Conversions credited"
    return {
        "models": [MODEL_LABELS[m] for m in models],
        "rows": rows,
        "by_value": by_value,
        "chart": charts.grouped_bars(
            chart_rows,
            category="key",
            series="model",
            value="credit",
            title=f"{what} by {GROUPINGS[params.group_by].lower()}, every model",
            money=by_value,
        ),
        "chart_is_partial": len(keys) > CHART_KEYS,
        "conversions": CONVERSIONS,
        "converted_label": CONVERTED[params.conversion],
        "groupings": GROUPINGS,
        "is_exact": all(m.is_exact for m in result.models),
    }


def funnel_view(result: FunnelResult, params: Any) -> dict[str, Any]:
    stages = [STAGE_LABELS.get(s, s) for s in result.stages]
    cohort_by = params.cohort_by or ""
    cohorts = [
        {"key": label(c.key, cohort_by), "entered": c.entered, "stages": c.stages}
        for c in result.cohorts
    ]
    chart_rows = [
        {"stage": STAGE_LABELS.get(s.stage, s.stage), "contacts": s.reached}
        for s in result.total.stages
    ]
    velocity_rows = [{"key": label(v.key, cohort_by), "v": v} for v in result.velocity_by_cohort]
    return {
        "stage_labels": stages,
        "cohorts": cohorts,
        "times": [
            {"label": STAGE_LABELS.get(t.stage, t.stage), "t": t} for t in result.time_in_stage
        ],
        "velocity_rows": velocity_rows,
        "chart": charts.bars(
            chart_rows,
            category="stage",
            value="contacts",
            title="Contacts who entered the funnel in the period, by the furthest stage reached",
            fmt="d",
        ),
        "periods": periods(),
        "period_label": PERIOD_LABELS[result.period.value],
    }


def lifetime_view(result: LifetimeReport, params: Any) -> dict[str, Any]:
    groups = [{"key": label(g.key, params.group_by), "g": g} for g in result.groups]
    fitted = result.fit is not None and any(g.lifetime_value is not None for g in result.groups)
    chart_rows = [
        {
            "key": label(g.key, params.group_by),
            "value": g.lifetime_value if fitted else g.revenue_per_customer,
        }
        for g in result.groups[:15]
    ]
    title = (
        "Lifetime value per customer (won so far + expected), by what acquired them"
        if fitted
        else "Revenue per customer so far, by what acquired them (largest totals)"
    )
    return {
        "groups": groups,
        "fitted": fitted,
        "total_customers": sum(g.customers for g in result.groups),
        "total_repeat": sum(g.repeat_customers for g in result.groups),
        "chart": charts.bars(chart_rows, category="key", value="value", title=title),
    }


def profitability_view(result: ProfitabilityResult, params: Any) -> dict[str, Any]:
    groups = [{"key": label(g.key, params.group_by), "g": g} for g in result.groups]
    chart_rows = [
        {"key": label(g.key, params.group_by), "measure": measure, "amount": amount}
        for g in result.groups[:12]
        for measure, amount in (("Revenue", g.revenue), ("Spend", g.spend))
    ]
    return {
        "groups": groups,
        "chart": charts.grouped_bars(
            chart_rows,
            category="key",
            series="measure",
            value="amount",
            title="Revenue won and marketing spend in the period",
            money=True,
        ),
        "periods": periods(),
        "period_label": PERIOD_LABELS[result.period.value],
        "has_margin": any(g.margin is not None for g in result.groups),
    }


def forecast_view(result: ForecastResult, params: Any) -> dict[str, Any]:
    chart_rows = [
        {"stage": s.stage, "measure": measure, "amount": amount}
        for s in result.stages
        for measure, amount in (("Open", s.open_amount), ("Expected to win", s.expected_amount))
    ]
    return {
        "chart": charts.grouped_bars(
            chart_rows,
            category="stage",
            series="measure",
            value="amount",
            title=f"Open pipeline and expected wins in {result.horizon_days:.0f} days, by stage",
            money=True,
        )
    }


def mediamix_view(result: MMMResult, params: Any) -> dict[str, Any]:
    channels = sorted(result.channels, key=lambda c: (-c.contribution, c.channel))
    rows = [{"key": label(c.channel, "channel"), "c": c} for c in channels]
    chart_rows = [
        {"key": label(c.channel, "channel"), "weeks": c.half_life_weeks} for c in channels
    ]
    # Fewer than about ten weeks per estimated parameter: the fit can say little per channel.
    parameters = 3 * len(result.channels) + 1
    return {
        "rows": rows,
        "chart": charts.bars(
            chart_rows,
            category="key",
            value="weeks",
            title="Carry-over half-life by channel (weeks)",
            fmt=",.1f",
        ),
        "thin_data": result.weeks < 10 * parameters,
        "parameters": parameters,
    }


def customer_names(ids: list[str]) -> dict[str, dict[str, Any]]:
    """Names and links of customers ``a<account id>`` or ``c<contact id>``: two small queries."""
    accounts = [int(i[1:]) for i in ids if i.startswith("a")]
    contacts = [int(i[1:]) for i in ids if i.startswith("c")]
    names: dict[str, dict[str, Any]] = {}
    for account in Account.objects.filter(pk__in=accounts).only("id", "name"):
        names[f"a{account.pk}"] = {"name": account.name, "url": f"/accounts/{account.pk}/"}
    for contact in Contact.objects.filter(pk__in=contacts).only(
        "id", "first_name", "last_name", "email"
    ):
        names[f"c{contact.pk}"] = {"name": str(contact), "url": f"/contacts/{contact.pk}/"}
    return names
