"""The shared base: opening tables from files, frames and URLs; timing and backend names."""

from __future__ import annotations

import pyarrow.csv as csv
import pyarrow.parquet as parquet
import pytest

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.base import open_table
from tandem.analytics.errors import InputError
from tests.analytics.helpers import journeys

LINEAR = AttributionInput(models=(AttributionModel.LINEAR,))
DATA = journeys([(["email", "webinar"], True, 10.0), (["email"], False, 0.0)])


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_files_are_read_by_duckdb(tmp_path, suffix):
    path = tmp_path / f"journeys.{suffix}"
    (csv.write_csv if suffix == "csv" else parquet.write_table)(DATA, path)

    result = attribution_run(path, LINEAR)

    assert result.backend == "duckdb"
    assert result.by_model(AttributionModel.LINEAR).value_by_key() == {
        "email": 5.0,
        "webinar": 5.0,
    }


def test_a_database_url_needs_a_table_name():
    with pytest.raises(InputError, match="name of the table"):
        open_table("duckdb://")


def test_a_database_url_with_a_table(tmp_path):
    import ibis

    path = tmp_path / "journeys.duckdb"
    connection = ibis.duckdb.connect(str(path))
    connection.create_table("journeys", DATA)
    connection.disconnect()

    result = attribution_run(f"duckdb://{path}", LINEAR, table="journeys")

    assert result.conversions == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("journeys.xlsx", "give a .csv or .parquet"), ("absent.csv", "no such file")],
)
def test_unreadable_files_are_named(tmp_path, name, message):
    with pytest.raises(InputError, match=message):
        open_table(tmp_path / name)


def test_a_run_records_its_timings():
    result = attribution_run(DATA, LINEAR)

    assert result.timings.query_seconds > 0
    assert result.timings.model_seconds >= 0


def test_analytics_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys, tandem.analytics.attribution, tandem.analytics.clv, tandem.analytics.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    finished = subprocess.run(  # noqa: S603 — our interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert finished.stdout.strip() == "[]"
