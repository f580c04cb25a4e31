"""Downloads: a list as CSV or XLSX, and the company export page."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.tables import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_chunks, xlsx_write
from tandem.errors import InvalidInput
from tandem.exports import runs, selectors, services
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


# -- the company export (admins) ---------------------------------------------------------------


@login_required
def company(request):
    """The company exports: ask for a new one (POST), see them build, download them."""
    policies.require(request.user, "view", "company_export")
    if request.method == "POST":
        services.company_export_request(actor=request.user)
        messages.success(request, "The export is being built. This page shows when it is ready.")
        return redirect("exports:company")
    exports = list(selectors.company_exports_for_user(user=request.user)[:20])
    return render(
        request,
        "exports/company.html",
        {
            "exports": exports,
            "building": any(not e.is_finished for e in exports),
            "can_create": policies.can(request.user, "create", "company_export"),
            "section": "exports",
        },
    )


@login_required
def company_rows(request):
    """The table of exports alone, polled while one is building."""
    policies.require(request.user, "view", "company_export")
    exports = list(selectors.company_exports_for_user(user=request.user)[:20])
    building = any(not e.is_finished for e in exports)
    return render(request, "exports/_company_rows.html", {"exports": exports, "building": building})


@login_required
def company_download(request, export_id: int):
    export = selectors.company_export_get_for_user(user=request.user, export_id=export_id)
    path = runs.company_export_path(export)
    if path is None:
        raise Http404("This export has no file (it failed, or its file was removed).")
    return FileResponse(path.open("rb"), as_attachment=True, filename=export.file_name)


@login_required
@require_POST
def company_delete(request, export_id: int):
    export = selectors.company_export_get_for_user(user=request.user, export_id=export_id)
    services.company_export_delete(actor=request.user, export=export)
    messages.success(request, "Export deleted.")
    return redirect("exports:company")
