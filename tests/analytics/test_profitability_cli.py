"""``tandem analytics profitability`` runs on files, through the main ``tandem`` command."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from tandem.cli import main
from tests.analytics.test_profitability import customers_table, deals_table, spend_table


def test_profitability_from_files(tmp_path, capsys):
    paths = {}
    for name, table in (
        ("customers", customers_table()),
        ("deals", deals_table()),
        ("spend", spend_table()),
    ):
        paths[name] = tmp_path / f"{name}.parquet"
        pq.write_table(table, paths[name])

    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "analytics",
                "profitability",
                str(paths["customers"]),
                "--deals",
                str(paths["deals"]),
                "--spend",
                str(paths["spend"]),
                "--period",
                "quarter",
                "--as-of",
                "2026-03-31T12:00",
                "--no-clv",
                "--json",
            ]
        )

    assert exit_.value.code == 0
    result = json.loads(capsys.readouterr().out)
    email = next(g for g in result["groups"] if g["key"] == "email")
    assert (email["revenue"], email["margin"], email["cac"]) == (3800.0, 1400.0, 630.0)
