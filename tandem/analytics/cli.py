"""The command-line door: run an analysis on a CSV or Parquet file and print the result.

``python -m tandem.analytics attribution journeys.parquet --model markov``
``python -m tandem.analytics clv purchases.csv --observed-until 2025-06-30``
``python -m tandem.analytics forecast stage_visits.csv --horizon-days 90``
``python -m tandem.analytics mmm spend.csv outcome.csv --adstock weibull``

Files are read by DuckDB; the input formats are in ``docs/analytics.md``. ``--json`` prints
the typed result as JSON instead of a table.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from pydantic import ValidationError

from tandem.analytics import cli_funnel
from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.attribution.inputs import AttributionResult
from tandem.analytics.clv import CLVInput, CLVResult, clv_run
from tandem.analytics.errors import AnalyticsError
from tandem.analytics.forecast import (
    BacktestResult,
    ForecastInput,
    ForecastResult,
    forecast_backtest,
    forecast_run,
)
from tandem.analytics.mmm import MMMInput, MMMResult, mmm_run


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

    forecast = commands.add_parser("forecast", help="forecast the won amount of open deals")
    forecast.add_argument("path", help="stage visits as .csv or .parquet")
    forecast.add_argument("--as-of", type=datetime.fromisoformat)
    forecast.add_argument("--horizon-days", type=float, default=90.0)
    forecast.add_argument("--interval", type=float, default=0.8)
    forecast.add_argument("--simulations", type=int, default=5_000)
    forecast.add_argument("--seed", type=int, default=0)
    forecast.add_argument("--min-history", type=int, default=10)
    forecast.add_argument(
        "--backtest",
        action="append",
        type=datetime.fromisoformat,
        metavar="DATE",
        help="backtest as of this past date instead (repeat for several)",
    )
    forecast.add_argument("--json", action="store_true", help="print the result as JSON")

    cli_funnel.add_commands(commands)

    mmm = commands.add_parser("mmm", help="media-mix model: carry-over and ROI per channel")
    mmm.add_argument("spend", help="weekly spend (week, channel, spend) as .csv or .parquet")
    mmm.add_argument("outcome", help="weekly outcome (week, outcome) as .csv or .parquet")
    mmm.add_argument("--adstock", choices=["geometric", "weibull"], default="geometric")
    mmm.add_argument("--max-lag-weeks", type=int, default=26)
    mmm.add_argument("--harmonics", type=int, default=2, help="Fourier pairs of the season")
    mmm.add_argument("--no-trend", action="store_true")
    mmm.add_argument("--starts", type=int, default=6)
    mmm.add_argument("--seed", type=int, default=0)
    mmm.add_argument("--json", action="store_true", help="print the result as JSON")
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


def _forecast_table(result: ForecastResult) -> str:
    lines = [
        f"as of {result.as_of:%Y-%m-%d}, next {result.horizon_days:g} days: "
        f"{result.open_deals:,} open deals worth {result.open_amount:,.2f}",
        f"expected won  {result.expected_amount:,.2f} ({result.expected_wins:,.1f} deals)",
        f"{result.interval:.0%} interval  {result.low:,.2f} to {result.high:,.2f}",
        "",
        f"{'stage':<20} {'open':>8} {'amount':>14} {'chance':>7} {'expected':>14}",
    ]
    for stage in result.stages:
        lines.append(
            f"{stage.stage:<20} {stage.open_deals:>8,} {stage.open_amount:>14,.2f} "
            f"{stage.win_chance:>7.1%} {stage.expected_amount:>14,.2f}"
        )
    if result.skipped_deals:
        lines.append(f"{result.skipped_deals:,} deal(s) in stages without history left out")
    return "\n".join(lines)


def _backtest_table(result: BacktestResult) -> str:
    lines = [f"{'as of':<12} {'expected':>14} {'low':>14} {'high':>14} {'actual':>14}"]
    for point in result.points:
        lines.append(
            f"{point.as_of:%Y-%m-%d}   {point.expected_amount:>14,.2f} {point.low:>14,.2f} "
            f"{point.high:>14,.2f} {point.actual_amount:>14,.2f}{'' if point.covered else ' *'}"
        )
    mape = result.mean_absolute_percentage_error
    lines.append(
        f"coverage {result.coverage:.0%} of the {result.interval:.0%} interval; mean absolute "
        f"error {result.mean_absolute_error:,.2f}"
        + (f" ({mape:.1%})" if mape is not None else "")
        + f"; bias {result.bias:,.2f}"
    )
    return "\n".join(lines)


def _mmm_table(result: MMMResult) -> str:
    fit = result.diagnostics
    lines = [
        f"{result.weeks} weeks ({result.first_week} to {result.last_week}), {result.adstock} "
        f"adstock: R² {fit.r_squared:.3f}, MAPE "
        + (f"{fit.mape:.1%}" if fit.mape is not None else "n/a")
        + f", residual autocorrelation {fit.residual_autocorrelation:.2f}",
        "",
        f"{'channel':<20} {'spend':>14} {'contribution':>14} {'ROI':>7} {'half-life':>10}",
    ]
    for channel in result.channels:
        lines.append(
            f"{channel.channel:<20} {channel.spend:>14,.2f} {channel.contribution:>14,.2f} "
            f"{channel.roi:>7.2f} {channel.half_life_weeks:>8.1f} w"
        )
    return "\n".join(lines)


def _run(options: argparse.Namespace) -> str:
    """Run the chosen analysis; return what to print."""
    text: str
    if options.command == "forecast":
        params = ForecastInput(
            as_of=options.as_of,
            horizon_days=options.horizon_days,
            interval=options.interval,
            simulations=options.simulations,
            seed=options.seed,
            min_history=options.min_history,
        )
        if options.backtest:
            backtest = forecast_backtest(options.path, options.backtest, params)
            return backtest.model_dump_json(indent=2) if options.json else _backtest_table(backtest)
        result = forecast_run(options.path, params)
        return result.model_dump_json(indent=2) if options.json else _forecast_table(result)
    mmm_params = MMMInput(
        adstock=options.adstock,
        max_lag_weeks=options.max_lag_weeks,
        seasonality_harmonics=options.harmonics,
        trend=not options.no_trend,
        starts=options.starts,
        seed=options.seed,
    )
    mix = mmm_run(options.spend, options.outcome, mmm_params)
    text = mix.model_dump_json(indent=2) if options.json else _mmm_table(mix)
    return text


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
        elif options.command in ("forecast", "mmm"):
            print(_run(options))
        elif options.command in cli_funnel.COMMANDS:
            print(cli_funnel.run(options))
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
