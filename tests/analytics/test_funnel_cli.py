"""``tandem analytics funnel`` runs on files, through the main ``tandem`` command."""

from __future__ import annotations

import json

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from tandem.cli import main
from tests.analytics.test_funnel import deals_table, moves_table


def tandem(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(["analytics", *args])
    return int(exit_.value.code or 0)


def test_funnel_from_files_prints_the_conversions_and_velocity(tmp_path, capsys):
    moves, deals = tmp_path / "moves.parquet", tmp_path / "deals.csv"
    pq.write_table(moves_table(), moves)
    pacsv.write_csv(deals_table(), deals)

    status = tandem(
        "funnel",
        str(moves),
        "--deals",
        str(deals),
        "--period",
        "quarter",
        "--as-of",
        "2026-03-31T12:00",
        "--json",
    )

    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert [s["reached"] for s in result["total"]["stages"]] == [4, 3, 2, 1, 1]
    assert result["velocity"]["open_deals"] == 3


def test_funnel_table_is_readable(tmp_path, capsys):
    moves = tmp_path / "moves.parquet"
    pq.write_table(moves_table(), moves)

    assert tandem("funnel", str(moves), "--period", "quarter", "--as-of", "2026-03-31T12:00") == 0

    out = capsys.readouterr().out
    assert out.startswith("quarter: 2026-01-01 – 2026-03-31")
    assert "3 (75%)" in out  # three of the four who entered became MQLs


def test_bad_input_exits_2_and_says_why(tmp_path, capsys):
    moves = tmp_path / "moves.parquet"
    pq.write_table(moves_table().drop(["to_stage"]), moves)

    assert tandem("funnel", str(moves)) == 2
    assert "lacks the column(s): to_stage" in capsys.readouterr().err
