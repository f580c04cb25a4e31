"""A file is read streamed: memory stays far below its size, however large it is.

Each file here weighs some megabytes; the allocations Python makes while detecting it,
counting its rows and reading every row are traced, and their peak must stay a small
fraction of the file. A reader that took the file whole (``read()``, ``readlines()``, a list
of its rows) would fail.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from tandem.imports.reading import file_detect, rows_count, rows_read

HEADER = "Record ID,First Name,Last Name,Email,Job Title,Company name,Notes\r\n"
ROWS = 60_000


def _write(path: Path, encoding: str) -> int:
    with open(path, "w", encoding=encoding, newline="") as out:
        out.write(HEADER)
        for n in range(ROWS):
            notes = f'"met at the fair, line {n}\r\nasked for a quote"' if n % 100 == 0 else ""
            out.write(
                f"{n},First{n},Last{n},person{n}@company{n % 700}.test,Buyer,"
                f"Company {n % 700},{notes}{'x' * 40}\r\n"
            )
    return path.stat().st_size


def _peak(work) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8-sig", "utf-8"), ("utf-16", "utf-16")],
    ids=["utf-8-with-bom", "utf-16"],
)
def test_a_file_of_megabytes_is_read_in_a_small_fraction_of_its_size(tmp_path, encoding, detected):
    # given: a CSV export of 60,000 rows, some with quoted newlines
    path = tmp_path / "export.csv"
    size = _write(path, encoding)
    assert size > 5_000_000

    # when: it is detected, counted and read row by row
    found = {}
    detect_peak = _peak(lambda: found.setdefault("detected", file_detect(path, "export.csv")))
    detected_file = found["detected"]
    count_peak = _peak(lambda: found.setdefault("count", rows_count(path, detected_file)))

    def read_all() -> None:
        lines = 0
        for row in rows_read(path, detected_file):
            lines = row.line
        found["last_line"] = lines

    read_peak = _peak(read_all)

    # then: every row was read, and memory stayed far below the file's size
    assert detected_file.encoding == detected
    assert found["count"] == ROWS
    assert found["last_line"] == ROWS + 1 + ROWS // 100  # the quoted newlines add a line each
    # Counting and reading hold a row at a time.
    assert count_peak < size / 20, (count_peak, size)
    assert read_peak < size / 20, (read_peak, size)
    # Detection works on a sample of the file's first megabyte, whatever the file's size.
    assert detect_peak < 12_000_000, detect_peak
