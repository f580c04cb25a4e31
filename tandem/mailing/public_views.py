"""The doors a recipient uses from a campaign email: unsubscribe and preferences, the open
pixel, and the click redirect. No login; each is reached only through a signed link and rate
limited per client address."""

from __future__ import annotations

import base64

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tandem.access import ratelimit
from tandem.mailing import links, preference_services, selectors, services
from tandem.mailing.models import SuppressionReason

# The smallest transparent GIF: 1×1, one colour, fully transparent.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _is_within_limit(request) -> bool:
    return ratelimit.hit(
        f"mail-link:{ratelimit.client_address(request)}",
        limit=settings.TANDEM_MAIL_LINK_HITS_PER_MINUTE,
        window_seconds=60,
    )


def _invalid(request, status: int = 404):
    return render(request, "mailing/public_invalid.html", status=status)


def _preferences(request, *, contact, email: str, unsubscribe):
    """The preference page of one address, and what its POSTs do: unsubscribe from all
    marketing email (the one-click POST of ``List-Unsubscribe=One-Click`` or the page's
    button), save the topics chosen, or subscribe again after an unsubscribe."""
    done = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "topics":
            preference_services.preferences_save(
                contact=contact,
                topics_out=[int(t) for t in request.POST.getlist("topic_out") if t.isdigit()],
            )
            done = "topics"
        elif action == "resubscribe":
            preference_services.contact_resubscribe(contact=contact)
            done = "resubscribed"
        else:
            unsubscribe()
            done = "all"
        if "List-Unsubscribe" in request.POST:
            return HttpResponse("Unsubscribed.\n", content_type="text/plain")
    topics = list(selectors.topics_offered())
    opted_out = selectors.topics_opted_out(contact_id=contact.pk)
    suppressed = selectors.email_suppression_reason(email=email)
    return render(
        request,
        "mailing/unsubscribe.html",
        {
            "email": email,
            "is_unsubscribed": suppressed is not None,
            # Only an unsubscribe can be undone here; a bounce or a complaint cannot.
            "can_resubscribe": suppressed == SuppressionReason.UNSUBSCRIBED
            and email == contact.email,
            "topics": [(t, t.pk in opted_out) for t in topics],
            "done": done,
        },
    )


@csrf_exempt  # RFC 8058: mail providers POST here without a session or a token.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The preference page of a campaign email's recipient (GET shows it, nothing changes:
    link scanners fetch it; POST acts, see ``_preferences``)."""
    if not _is_within_limit(request):
        return render(request, "mailing/public_invalid.html", {"too_many": True}, status=429)
    try:
        recipient = selectors.recipient_from_link(token=token, salt=links.UNSUBSCRIBE_SALT)
    except Http404:
        return _invalid(request)
    return _preferences(
        request,
        contact=recipient.contact,
        email=recipient.email,
        unsubscribe=lambda: preference_services.recipient_unsubscribe(recipient=recipient),
    )


@csrf_exempt  # RFC 8058, as above.
@never_cache
@require_http_methods(["GET", "POST"])
def contact_preferences(request, token: str):
    """The preference page of a contact, from email outside a send (survey invitations,
    journeys, sequences: ``mailing.gate.contact_email_send``)."""
    if not _is_within_limit(request):
        return render(request, "mailing/public_invalid.html", {"too_many": True}, status=429)
    try:
        contact = selectors.contact_from_link(token=token)
    except Http404:
        return _invalid(request)
    return _preferences(
        request,
        contact=contact,
        email=contact.email,
        unsubscribe=lambda: preference_services.contact_unsubscribe(
            contact=contact,
            email=contact.email,
            source="unsubscribe link",
            detail="unsubscribe link in an email outside a send",
        ),
    )


@never_cache
def open_pixel(request, token: str):
    """The 1×1 image at the end of the message: its first fetch records an open."""
    try:
        recipient = selectors.recipient_from_link(token=token, salt=links.OPEN_SALT)
    except Http404:
        return HttpResponse(PIXEL, content_type="image/gif", status=404)
    if _is_within_limit(request):
        services.recipient_open(recipient=recipient)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def click(request, token: str):
    """Record the click and go on to the link — only to a link that was in the message."""
    if not _is_within_limit(request):
        return render(request, "mailing/public_invalid.html", {"too_many": True}, status=429)
    try:
        recipient_id, url = links.click_from_token(token)
        recipient = selectors.recipient_get(recipient_id=recipient_id)
        target = services.recipient_click(recipient=recipient, url=url)
    except (links.LinkInvalid, Http404, services.LinkRefused):
        return _invalid(request)
    return HttpResponseRedirect(target)
