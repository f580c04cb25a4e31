"""Downloads: a list as CSV or XLSX, and the company export page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.exports import runs, selectors, services
from tandem.exports.downloads import table_response
from tandem.exports.lists import list_table


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
