"""API routes for people's rights: everything held on a contact as a zip, and the erase.

Both are audited without the data (who, which contact id). The erase cannot be undone: it
asks for the contact's address again, as the page does."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Schema

from tandem.api.schemas import ErrorOut
from tandem.people import selectors
from tandem.privacy import services
from tandem.privacy.schemas import EraseIn

router = Router(tags=["privacy"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
ZIP = {
    "responses": {
        200: {
            "description": "A zip: personal-data.json (everything) and one CSV per table.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ErasedOut(Schema):
    id: int
    erased: bool


@router.get("/contacts/{contact_id}/personal-data", response=ERRORS, openapi_extra=ZIP)
def contact_personal_data(request, contact_id: int):
    """Everything Tandem holds on the contact (admins and marketing managers)."""
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    archive = services.personal_data_export(actor=request.auth, contact=contact, via="api")
    response = HttpResponse(archive, content_type="application/zip")
    name = services.export_file_name(contact)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/contacts/{contact_id}/erase", response={200: ErasedOut, **ERRORS})
def contact_erase(request, contact_id: int, data: EraseIn):
    """Erase the contact's personal data everywhere (admins); the contact stays, anonymised."""
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    services.contact_erase(
        actor=request.auth, contact=contact, confirm_email=data.confirm_email, via="api"
    )
    return {"id": contact.pk, "erased": True}
