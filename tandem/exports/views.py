"""Downloads: a list as CSV or XLSX, and the company export page."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from tandem.core.tables import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_chunks, xlsx_write
from tandem.errors import InvalidInput
from tandem.exports.lists import Table, list_table

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


@login_required
def list_download(request, name: str, fmt: str):
    """The list ``name`` as the person sees it with the page's filters (the query string)."""
    try:
        table = list_table(user=request.user, name=name, query=request.GET)
    except InvalidInput as exc:
        message = "; ".join(f"{field}: {text}" for field, text in exc.errors.items())
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return table_response(table, fmt)
