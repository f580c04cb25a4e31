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
from tandem.mailing import links, selectors, services

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


@csrf_exempt  # RFC 8058: mail providers POST here without a session or a token.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows the preferences (nothing changes: link scanners fetch it); POST unsubscribes
    from all marketing email — the one-click POST (``List-Unsubscribe=One-Click``) or the page's
    own button — or saves the topics chosen on the page."""
    if not _is_within_limit(request):
        return render(request, "mailing/public_invalid.html", {"too_many": True}, status=429)
    try:
        recipient = selectors.recipient_from_link(token=token, salt=links.UNSUBSCRIBE_SALT)
    except Http404:
        return _invalid(request)
    done = ""
    if request.method == "POST":
        if request.POST.get("action") == "topics":
            services.preferences_save(
                recipient=recipient,
                topics_out=[int(t) for t in request.POST.getlist("topic_out") if t.isdigit()],
            )
            done = "topics"
        else:
            services.recipient_unsubscribe(recipient=recipient)
            done = "all"
        if "List-Unsubscribe" in request.POST:
            return HttpResponse("Unsubscribed.\n", content_type="text/plain")
    topics = list(selectors.topics_offered())
    opted_out = selectors.topics_opted_out(contact_id=recipient.contact_id)
    return render(
        request,
        "mailing/unsubscribe.html",
        {
            "recipient": recipient,
            "is_unsubscribed": selectors.email_is_suppressed(email=recipient.email),
            "topics": [(t, t.pk in opted_out) for t in topics],
            "done": done,
        },
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
