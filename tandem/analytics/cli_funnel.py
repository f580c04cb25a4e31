"""Command-line doors of the funnel and profitability analyses (see :mod:`tandem.analytics.cli`).

``python -m tandem.analytics funnel moves.csv --deals deals.csv --period quarter``
``python -m tandem.analytics profitability customers.csv --deals won.csv --spend spend.csv``
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from tandem.analytics.clocks import Clock
from tandem.analytics.funnel import FunnelInput, FunnelResult, funnel_run
from tandem.analytics.profitability import (
    ProfitabilityInput,
    ProfitabilityResult,
    profitability_run,
)

COMMANDS = ("funnel", "profitability")


def add_commands(commands: Any) -> None:
    """Add ``funnel`` and ``profitability`` to the analytics command's subparsers."""
    funnel = commands.add_parser("funnel", help="conversion by cohort, time in stage, velocity")
    funnel.add_argument("path", help="lifecycle moves as .csv or .parquet")
    funnel.add_argument("--deals", help="deals as .csv or .parquet, for pipeline velocity")
    funnel.add_argument("--period", choices=[c.value for c in Clock], default="12m")
    funnel.add_argument("--as-of", type=datetime.fromisoformat)
    funnel.add_argument("--cohort-by", choices=["month", "source", "segment"])
    funnel.add_argument("--stage", action="append", help="a funnel stage, in order (repeat)")
    funnel.add_argument("--json", action="store_true", help="print the result as JSON")

    profit = commands.add_parser("profitability", help="revenue, margin, CAC and CLV/CAC")
    profit.add_argument("path", help="customers as .csv or .parquet")
    profit.add_argument("--deals", required=True, help="won deals as .csv or .parquet")
    profit.add_argument("--spend", required=True, help="spend lines as .csv or .parquet")
    profit.add_argument("--group-by", choices=["channel", "segment", "campaign"], default="channel")
    profit.add_argument("--period", choices=[c.value for c in Clock], default="12m")
    profit.add_argument("--as-of", type=datetime.fromisoformat)
    profit.add_argument("--no-clv", action="store_true", help="skip the lifetime-value fit")
    profit.add_argument("--json", action="store_true", help="print the result as JSON")


def _ratio(value: float | None, spec: str = ".1%") -> str:
    return "—" if value is None else format(value, spec)


def _funnel_table(result: FunnelResult) -> str:
    lines = [f"{result.period.value}: {result.start:%Y-%m-%d} – {result.end:%Y-%m-%d}", ""]
    header = ["cohort", "entered", *result.stages[1:]]
    lines.append("  ".join(f"{h:>12}" for h in header))
    for cohort in (result.total, *([] if len(result.cohorts) < 2 else result.cohorts)):
        cells = [cohort.key[:12], str(cohort.entered)] + [
            f"{s.reached} ({_ratio(s.from_previous, '.0%')})" for s in cohort.stages[1:]
        ]
        lines.append("  ".join(f"{c:>12}" for c in cells))
    lines += ["", "time in stage (days)      median     p25     p75     p90"]
    for t in result.time_in_stage:
        figures = [t.median_days, t.p25_days, t.p75_days, t.p90_days]
        lines.append(f"{t.stage:<20}" + "".join(f"{_ratio(f, '8.1f'):>8}" for f in figures))
    if result.velocity is not None:
        v = result.velocity
        lines += [
            "",
            f"velocity: {v.open_deals} open × {_ratio(v.win_rate)} won × "
            f"{_ratio(v.average_deal_size, ',.0f')} ÷ {_ratio(v.cycle_days, '.1f')} days = "
            f"{_ratio(v.per_day, ',.0f')} per day",
        ]
    return "\n".join(lines)


def _profit_table(result: ProfitabilityResult) -> str:
    lines = [
        f"{result.period.value}: {result.start:%Y-%m-%d} – {result.end:%Y-%m-%d}",
        "",
        f"{result.group_by:<24}{'revenue':>12}{'margin':>12}{'new':>6}{'spend':>12}"
        f"{'CAC':>10}{'CLV':>10}{'CLV/CAC':>9}",
    ]
    for g in (*result.groups, result.total):
        lines.append(
            f"{g.key[:24]:<24}{g.revenue:>12,.0f}{_ratio(g.margin, ',.0f'):>12}"
            f"{g.new_customers:>6}{g.spend:>12,.0f}{_ratio(g.cac, ',.0f'):>10}"
            f"{_ratio(g.clv, ',.0f'):>10}{_ratio(g.clv_to_cac, '.1f'):>9}"
        )
    if result.clv_note:
        lines += ["", result.clv_note]
    return "\n".join(lines)


def run(options: argparse.Namespace) -> str:
    """Run ``funnel`` or ``profitability`` as the options say; return what to print."""
    if options.command == "funnel":
        funnel_params = FunnelInput(
            period=options.period,
            as_of=options.as_of,
            cohort_by=options.cohort_by,
            **({"stages": tuple(options.stage)} if options.stage else {}),
        )
        funnel = funnel_run(options.path, funnel_params, deals=options.deals)
        return funnel.model_dump_json(indent=2) if options.json else _funnel_table(funnel)
    params = ProfitabilityInput(
        group_by=options.group_by,
        period=options.period,
        as_of=options.as_of,
        with_clv=not options.no_clv,
    )
    result = profitability_run(options.path, params, deals=options.deals, spend=options.spend)
    return result.model_dump_json(indent=2) if options.json else _profit_table(result)
