"""The command-line door: run an analysis on a CSV or Parquet file and print the result.

``python -m tandem.analytics attribution journeys.parquet --model markov``
``python -m tandem.analytics clv purchases.csv --observed-until 2025-06-30``

Files are read by DuckDB; the input formats are in ``docs/analytics.md``. ``--json`` prints
the typed result as JSON instead of a table.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from pydantic import ValidationError

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.attribution.inputs import AttributionResult
from tandem.analytics.clv import CLVInput, CLVResult, clv_run
from tandem.analytics.errors import AnalyticsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tandem.analytics", description="Run a Tandem analysis on a file."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    attribution = commands.add_parser("attribution", help="credit conversions to channels")
    attribution.add_argument("path", help="journeys as .csv or .parquet")
    attribution.add_argument(
        "--model",
        action="append",
        choices=[model.value for model in AttributionModel],
        help="a model to run (repeat for several; default: all)",
    )
    attribution.add_argument("--group-by", choices=["channel", "campaign"], default="channel")
    attribution.add_argument("--lookback-days", type=float)
    attribution.add_argument("--half-life-days", type=float, default=7.0)
    attribution.add_argument("--order", type=int, default=1, help="Markov order (1 to 3)")
    attribution.add_argument("--json", action="store_true", help="print the result as JSON")

    clv = commands.add_parser("clv", help="fit repeat purchases and spend, value customers")
    clv.add_argument("path", help="purchases as .csv or .parquet")
    clv.add_argument("--observed-until", type=datetime.fromisoformat)
    clv.add_argument("--time-unit-days", type=float, default=7.0)
    clv.add_argument("--horizon-periods", type=int, default=12)
    clv.add_argument("--discount-rate", type=float, default=0.01)
    clv.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _attribution_table(result: AttributionResult) -> str:
    keys = sorted(result.keys)
    width = max([len("model"), *(len(model.model.value) for model in result.models)])
    columns = [max(len(key), 9) for key in keys]
    lines = [
        f"{result.journeys:,} journeys, {result.conversions:,} conversions, "
        f"value {result.value:,.2f} ({result.backend}, "
        f"{result.timings.query_seconds + result.timings.model_seconds:.2f} s)",
        "",
        "conversions credited",
        "  ".join(
            ["model".ljust(width), *(k.rjust(c) for k, c in zip(keys, columns, strict=True))]
        ),
    ]
    for model in result.models:
        credit = model.conversions_by_key()
        cells = [f"{credit[key]:.2f}".rjust(c) for key, c in zip(keys, columns, strict=True)]
        lines.append("  ".join([model.model.value.ljust(width), *cells]))
    return "\n".join(lines)


def _clv_table(result: CLVResult) -> str:
    purchases = result.purchase_model
    lines = [
        f"{result.customers:,} customers, {result.repeat_customers:,} bought again, "
        f"observed until {result.observed_until:%Y-%m-%d}",
        f"BG/NBD       r={purchases.r:.4g} alpha={purchases.alpha:.4g} a={purchases.a:.4g} "
        f"b={purchases.b:.4g} (log-likelihood {purchases.log_likelihood:,.1f})",
    ]
    if result.spend_model is not None:
        spend = result.spend_model
        lines.append(
            f"Gamma-Gamma  p={spend.p:.4g} q={spend.q:.4g} gamma={spend.gamma:.4g} "
            f"(log-likelihood {spend.log_likelihood:,.1f})"
        )
    lines.append(f"expected purchases over the horizon  {result.expected_purchases:,.1f}")
    lines.append(f"mean probability alive               {result.mean_p_alive:.3f}")
    if result.expected_value is not None:
        lines.append(f"expected value over the horizon      {result.expected_value:,.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv``; return the exit status (2 for bad input)."""
    options = _parser().parse_args(argv)
    try:
        if options.command == "attribution":
            params = AttributionInput(
                models=tuple(options.model or AttributionModel),
                group_by=options.group_by,
                lookback_days=options.lookback_days,
                half_life_days=options.half_life_days,
                markov_order=options.order,
            )
            result = attribution_run(options.path, params)
            print(result.model_dump_json(indent=2) if options.json else _attribution_table(result))
        else:
            clv_params = CLVInput(
                observed_until=options.observed_until,
                time_unit_days=options.time_unit_days,
                horizon_periods=options.horizon_periods,
                discount_rate=options.discount_rate,
            )
            clv_result = clv_run(options.path, clv_params)
            print(clv_result.model_dump_json(indent=2) if options.json else _clv_table(clv_result))
    except (AnalyticsError, ValidationError) as error:
        print(f"tandem analytics: {error}", file=sys.stderr)
        return 2
    return 0
