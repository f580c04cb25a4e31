"""Tables out: rows streamed as CSV or written as XLSX, with spreadsheet formulas neutralised.

Every list Tandem lets a person download goes through here, so the one rule about what a
spreadsheet may execute lives in one place. A text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a formula
(OWASP "CSV injection"); :func:`cell_safe` prefixes it with a single quote, which those programs
show as plain text. Numbers are numbers, not text: ``-1`` in a number column stays ``-1``.

CSV is produced as an iterator of encoded chunks (a few hundred rows each) for
``StreamingHttpResponse`` or a file: memory stays flat whatever the number of rows. XLSX is
written with openpyxl's write-only mode, which also streams rows to disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
BOM = "\ufeff"
# Rows per chunk of a streamed CSV: big enough to keep the per-chunk overhead low, small
# enough that the first bytes leave at once.
CHUNK_ROWS = 500
# Excel's rows per sheet (header included); a longer table goes on in a next sheet.
XLSX_SHEET_ROWS = 1_048_576
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def cell_safe(value: Any) -> Any:
    """``value`` as a spreadsheet may hold it: text that a spreadsheet would run as a formula
    gets a leading ``'``; numbers, dates and blanks pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_other(value: Any) -> Any:
    """A cell that is neither text nor a whole number (those take the fast path)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return cell_safe(value)


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> Iterator[bytes]:
    """The table as UTF-8 CSV, in chunks of :data:`CHUNK_ROWS` rows (the first is the header,
    after a byte-order mark so that Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell_safe(h) for h in header])
    yield ((BOM if bom else "") + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    batch: list[list[Any]] = []
    first = _FORMULA_FIRST
    for row in rows:
        # Inline, as this runs once per cell: text and whole numbers are nearly every cell.
        batch.append(
            [
                ("'" + v if v[:1] in first else v)
                if v.__class__ is str
                else (v if v.__class__ is int else _csv_other(v))
                for v in row
            ]
        )
        if len(batch) >= CHUNK_ROWS:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if batch:
        writer.writerows(batch)
        yield buffer.getvalue().encode()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Spreadsheets have no time zones: the time as the page shows it, in UTC.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return cell_safe(value)
    return value


def xlsx_write(
    out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str
) -> int:
    """Write the table as an XLSX workbook to ``out``; returns the rows written.

    A sheet holds at most ``XLSX_SHEET_ROWS`` rows (Excel's limit), the header included: a
    longer table goes on in a next sheet ("<title> (2)" …), each with the header again, so
    nothing is cut off. Numbers stay numbers and dates dates; text is neutralised as in CSV
    (openpyxl would otherwise store a text beginning with ``=`` as a formula)."""
    book = Workbook(write_only=True)
    heading = [cell_safe(h) for h in header]
    per_sheet = XLSX_SHEET_ROWS - 1
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append(heading)
    written = on_sheet = 0
    for row in rows:
        if on_sheet == per_sheet:
            sheet = book.create_sheet(title=_sheet_title(title, len(book.worksheets) + 1))
            sheet.append(heading)
            on_sheet = 0
        sheet.append([_xlsx_value(v) for v in row])
        written += 1
        on_sheet += 1
    book.save(out)
    return written


def _sheet_title(title: str, number: int = 1) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip() or "Sheet"
    if number == 1:
        return cleaned[:31]
    suffix = f" ({number})"
    return cleaned[: 31 - len(suffix)] + suffix
