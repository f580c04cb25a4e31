"""API routes for downloads: the lists as CSV or XLSX, with the same filters as their pages.

Each answers the file itself (``text/csv``, streamed; or an XLSX workbook), holding what the
token's user may see. Text cells a spreadsheet would run as a formula start with ``'``.
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Query, Router

from tandem.api.schemas import ErrorOut
from tandem.exports.downloads import table_response
from tandem.exports.lists import list_table
from tandem.sales.filters import DealFilter

router = Router(tags=["exports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Format = Literal["csv", "xlsx"]
FILE = {
    "responses": {
        200: {
            "description": "The list as a file: CSV (UTF-8 with a byte-order mark) or XLSX.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    }
}


def _download(request, name: str, fmt: str, query: dict[str, Any]):
    clean = {k: str(v) for k, v in query.items() if v not in (None, "", False)}
    return table_response(list_table(user=request.auth, name=name, query=clean), fmt)


@router.get("/exports/contacts", response=ERRORS, openapi_extra=FILE)
def export_contacts(
    request,
    format: Format = "csv",
    search: str = "",
    lifecycle_stage: str = "",
    owner_id: int | None = None,
    account_id: int | None = None,
):
    """The contacts the token's user may see, newest first, with custom fields as columns."""
    query = {
        "search": search,
        "lifecycle_stage": lifecycle_stage,
        "owner_id": owner_id,
        "account_id": account_id,
    }
    return _download(request, "contacts", format, query)


@router.get("/exports/accounts", response=ERRORS, openapi_extra=FILE)
def export_accounts(request, format: Format = "csv", search: str = ""):
    """The accounts the token's user may see, by name, with custom fields as columns."""
    return _download(request, "accounts", format, {"q": search})


@router.get("/exports/deals", response=ERRORS, openapi_extra=FILE)
def export_deals(request, format: Format = "csv", filters: DealFilter = Query(...)):  # noqa: B008
    """Deals with the same filters as the deal list page and ``GET /sales/deals``."""
    return _download(request, "deals", format, filters.model_dump(exclude_defaults=True))


@router.get("/exports/leads", response=ERRORS, openapi_extra=FILE)
def export_leads(request, format: Format = "csv", status: str = ""):
    """Leads the token's user may see (``status``: waiting, accepted or rejected)."""
    return _download(request, "leads", format, {"status": status})


@router.get("/exports/segments/{segment_id}/members", response=ERRORS, openapi_extra=FILE)
def export_segment_members(request, segment_id: int, format: Format = "csv"):
    """The members of a segment the token's user may see."""
    return _download(request, "segment-members", format, {"segment": segment_id})
