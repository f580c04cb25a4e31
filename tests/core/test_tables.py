"""The tabular writer: formulas neutralised, numbers kept, CSV streamed and XLSX readable."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from tandem.core import tables
from tandem.core.tables import CHUNK_ROWS, cell_safe, csv_chunks, xlsx_write

DANGEROUS = [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\tcalc", "'\tcalc"),
    ("\rcalc", "'\rcalc"),
]


@pytest.mark.parametrize(
    ("text", "expected"), DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"]
)
def test_text_a_spreadsheet_would_run_gets_a_quote(text, expected):
    assert cell_safe(text) == expected


@pytest.mark.parametrize("value", [-1, -2.5, Decimal("-250.50"), None, "Acme", "a=b", ""])
def test_numbers_blanks_and_plain_text_pass_unchanged(value):
    assert cell_safe(value) == value


def _read_csv(chunks) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))


def test_csv_neutralises_text_cells_and_keeps_negative_numbers():
    rows = [(text, -1) for text, _ in DANGEROUS]
    table = _read_csv(csv_chunks(["Text", "Number"], rows))
    assert table[0] == ["Text", "Number"]
    assert table[1:] == [[expected, "-1"] for _, expected in DANGEROUS]


def test_csv_starts_with_a_bom_and_streams_in_chunks():
    rows = ((n, f"name {n}") for n in range(CHUNK_ROWS * 2 + 3))
    chunks = list(csv_chunks(["n", "name"], rows))
    assert chunks[0] == "\ufeffn,name\r\n".encode()
    assert len(chunks) == 4  # the header, two full chunks, the rest
    assert chunks[-1] == b"1000,name 1000\r\n1001,name 1001\r\n1002,name 1002\r\n"


def test_csv_writes_blanks_yes_no_and_times():
    at = dt.datetime(2026, 6, 17, 10, 30, tzinfo=dt.UTC)
    table = _read_csv(csv_chunks(["a", "b", "c", "d"], [(None, True, at, dt.date(2026, 1, 2))]))
    assert table[1] == ["", "yes", "2026-06-17 10:30:00+00:00", "2026-01-02"]


def test_xlsx_holds_the_same_rows_with_numbers_as_numbers():
    out = io.BytesIO()
    at = dt.datetime(2026, 6, 17, 10, 30, tzinfo=dt.UTC)
    rows = [("=1+2", -1, Decimal("12.50"), at), ("plain", 3, None, None)]
    written = xlsx_write(out, ["Text", "Int", "Money", "At"], rows, title="Deals: open/won")
    assert written == 2
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = book.active
    assert sheet.title == "Deals  open won"
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Text", "Int", "Money", "At"),
        ("'=1+2", -1, 12.5, dt.datetime(2026, 6, 17, 10, 30)),
        ("plain", 3, None, None),
    ]


def test_xlsx_past_a_sheets_rows_goes_on_in_a_next_sheet(monkeypatch):
    # given a sheet limit of three rows (header included) and five rows to write
    monkeypatch.setattr(tables, "XLSX_SHEET_ROWS", 3)
    out = io.BytesIO()
    rows = [(f"row {n}", n) for n in range(1, 6)]
    written = xlsx_write(out, ["Name", "N"], rows, title="A list with a long title here")
    # then every row is written, two a sheet, each sheet with the header
    assert written == 5
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == [
        "A list with a long title here",
        "A list with a long title he (2)",
        "A list with a long title he (3)",
    ]
    assert [list(s.iter_rows(values_only=True)) for s in book.worksheets] == [
        [("Name", "N"), ("row 1", 1), ("row 2", 2)],
        [("Name", "N"), ("row 3", 3), ("row 4", 4)],
        [("Name", "N"), ("row 5", 5)],
    ]


def test_xlsx_of_exactly_a_sheet_has_no_empty_next_sheet(monkeypatch):
    monkeypatch.setattr(tables, "XLSX_SHEET_ROWS", 3)
    out = io.BytesIO()
    xlsx_write(out, ["N"], [(1,), (2,)], title="Full")
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue())).sheetnames == ["Full"]
