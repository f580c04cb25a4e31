"""The command-line door reads CSV or Parquet through DuckDB and prints the result."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as parquet

from tandem.analytics.cli import main
from tandem.analytics.clv.simulate import Truth, simulate_purchases
from tests.analytics.helpers import START, journeys

PATHS = [(["email", "search", "webinar"], True, 100.0), (["webinar", "email"], True, 40.0)]


def test_attribution_prints_credits_per_model(tmp_path, capsys):
    path = tmp_path / "journeys.parquet"
    parquet.write_table(journeys(PATHS), path)

    status = main(["attribution", str(path), "--model", "linear", "--model", "markov"])

    out = capsys.readouterr().out
    assert status == 0
    assert "2 journeys, 2 conversions, value 140.00" in out
    assert out.splitlines()[4].split() == ["linear", "0.83", "0.33", "0.83"]
    assert out.splitlines()[5].split()[0] == "markov"


def test_attribution_as_json(tmp_path, capsys):
    path = tmp_path / "journeys.csv"
    csv.write_csv(journeys(PATHS), path)

    status = main(["attribution", str(path), "--model", "first_touch", "--json"])

    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert result["models"][0]["model"] == "first_touch"
    assert {c["key"]: c["value"] for c in result["models"][0]["credits"]} == {
        "email": 100.0,
        "webinar": 40.0,
        "search": 0.0,
    }


def test_clv_prints_both_fits(tmp_path, capsys):
    path = tmp_path / "purchases.parquet"
    parquet.write_table(simulate_purchases(500, Truth(), max_age=300, seed=2, start=START), path)

    status = main(["clv", str(path), "--time-unit-days", "7"])

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("500 customers")
    assert "BG/NBD       r=" in out
    assert "Gamma-Gamma  p=" in out


def test_bad_input_exits_with_status_two_and_says_why(tmp_path, capsys):
    path = tmp_path / "journeys.csv"
    csv.write_csv(journeys([(["email"], True, -1.0)]), path)

    status = main(["attribution", str(path)])

    assert status == 2
    assert "negative value" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    path = tmp_path / "journeys.parquet"
    parquet.write_table(journeys(PATHS), path)

    finished = subprocess.run(  # noqa: S603 — our interpreter, our module, a temp file
        [sys.executable, "-m", "tandem.analytics", "attribution", str(path), "--model", "markov"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert "markov" in finished.stdout


def test_forecast_prints_the_expected_amount_and_interval(tmp_path, capsys):
    from tandem.analytics.forecast_deals import ClosedDeal, OpenDeal, StageVisit, visits_table

    history = [
        ClosedDeal(path=(StageVisit(stage="proposal", days=d),), won=w)
        for d, w in [(10, True), (20, True), (40, True), (5, False)]
    ]
    table = visits_table([OpenDeal(stage="proposal", amount=100, age_days=0)], history, START)
    path = tmp_path / "visits.parquet"
    parquet.write_table(table, path)

    status = main(["forecast", str(path), "--horizon-days", "30", "--min-history", "1"])

    out = capsys.readouterr().out
    assert status == 0
    assert "1 open deals worth 100.00" in out
    assert "expected won  50.00 (0.5 deals)" in out


def test_mmm_reads_two_files(tmp_path, capsys):
    from tandem.analytics.mmm_simulation import PlantedChannel, simulate_weeks

    spend, outcome, _ = simulate_weeks(
        (PlantedChannel("search", level=100, effect=300, decay=0.3),), weeks=80, seed=2
    )
    csv.write_csv(spend, tmp_path / "spend.csv")
    csv.write_csv(outcome, tmp_path / "outcome.csv")

    status = main(["mmm", str(tmp_path / "spend.csv"), str(tmp_path / "outcome.csv"), "--json"])

    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert result["weeks"] == 80
    assert result["channels"][0]["channel"] == "search"


def test_mmm_with_a_missing_column_exits_2(tmp_path, capsys):
    csv.write_csv(pa.table({"week": ["2024-01-01"], "spend": [1.0]}), tmp_path / "spend.csv")
    csv.write_csv(pa.table({"week": ["2024-01-01"], "outcome": [1.0]}), tmp_path / "outcome.csv")

    status = main(["mmm", str(tmp_path / "spend.csv"), str(tmp_path / "outcome.csv")])

    assert status == 2
    assert "lacks the column(s): channel" in capsys.readouterr().err
