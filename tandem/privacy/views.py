"""The people's-rights pages: the download of a contact's data and the erase's confirm step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.people import selectors
from tandem.privacy import services
from tandem.privacy.schemas import EraseIn


@login_required
def personal_data(request, contact_id: int):
    """The zip of everything held on the contact."""
    contact = selectors.contact_get_for_user(user=request.user, contact_id=contact_id)
    archive = services.personal_data_export(actor=request.user, contact=contact)
    response = HttpResponse(archive, content_type="application/zip")
    name = services.export_file_name(contact)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def erase(request, contact_id: int):
    """GET: what the erase does and the address to type; POST: erase."""
    contact = selectors.contact_get_for_user(user=request.user, contact_id=contact_id)
    policies.require(request.user, "delete", "contact_privacy", contact)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = typed_input(EraseIn, request.POST, labels={"confirm_email": "Email"})
            services.contact_erase(
                actor=request.user, contact=contact, confirm_email=data.confirm_email
            )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Contact #{contact.pk}'s personal data was erased.")
            return redirect("people:contact", contact_id=contact.pk)
    return render(
        request,
        "privacy/erase.html",
        {"contact": contact, "errors": errors, "values": request.POST, "section": "contacts"},
        status=422 if errors else 200,
    )
