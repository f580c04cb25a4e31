"""A list as a download: CSV streamed, XLSX built in a spooled file. For the pages and the API."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from tandem.core.tables import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_chunks, xlsx_write
from tandem.exports.table import Table

FORMATS = ("csv", "xlsx")

# An XLSX is a zip, so it is built whole before it is sent: in memory up to this size, then
# in a temporary file.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024


def table_response(table: Table, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """``table`` as a download: CSV streamed row chunk by row chunk, XLSX from a spooled file."""
    stamp = timezone.localdate().isoformat()
    filename = f"{table.name}-{stamp}.{fmt}"
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_chunks(table.header, table.rows), content_type=CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    xlsx_write(spool, table.header, table.rows, title=table.title)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
