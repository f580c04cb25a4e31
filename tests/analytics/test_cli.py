"""The command-line door reads CSV or Parquet through DuckDB and prints the result."""

from __future__ import annotations

import json
import subprocess
import sys

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
