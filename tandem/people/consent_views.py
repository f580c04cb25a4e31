"""The contact page's door for recording a statement of consent by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.people import consent, selectors
from tandem.people.schemas import ConsentIn

LABELS = {"channel": "Channel", "is_granted": "Consent", "wording": "What they agreed to"}


@login_required
@require_POST
def contact_consent(request, contact_id: int):
    """Record what the contact said (source ``manual``, the user as actor); the history on the
    contact page shows it at the top."""
    contact = selectors.contact_get_for_user(user=request.user, contact_id=contact_id)
    try:
        statement = typed_input(ConsentIn, request.POST, labels=LABELS)
        entry = consent.consent_statement_record(
            actor=request.user, contact=contact, **statement.model_dump()
        )
    except InvalidInput as exc:
        for field, message in exc.errors.items():
            messages.error(request, f"Consent not recorded: {LABELS.get(field, field)} {message}.")
        return redirect("people:contact", contact_id=contact.pk)
    messages.success(
        request,
        f"Recorded: {entry.get_channel_display()} consent {entry.get_action_display().lower()}.",
    )
    return redirect("people:contact", contact_id=contact.pk)
