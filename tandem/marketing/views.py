"""Doors for the public lead forms and the tracking pixel (the home is in dashboards)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from tandem.access import ratelimit
from tandem.errors import InvalidInput
from tandem.marketing import form_services, selectors, tracking
from tandem.marketing import forms as form_defs

UTM_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def _public_form_page(request, form, *, values, errors=None, refused="", status=200):
    fields = form_defs.fields_of(form)
    return render(
        request,
        "marketing/public_form.html",
        {
            "form": form,
            "fields": [
                {
                    **f,
                    "value": values.get(f["name"], ""),
                    "error": (errors or {}).get(f["name"], ""),
                    "autocomplete": form_defs.AUTOCOMPLETE.get(f["maps_to"], "off"),
                }
                for f in fields
            ],
            "values": values,
            "errors": errors or {},
            "refused": refused,
            "form_started": form_services.form_started_token(),
            "visitor_id": tracking.visitor_id_clean(
                values.get("visitor_id")
                or request.GET.get("vid")
                or request.COOKIES.get(tracking.VISITOR_COOKIE)
            ),
        },
        status=status,
    )


@xframe_options_exempt
@csrf_exempt
def public_form(request, slug: str):
    """The hosted lead form, also the POST endpoint other sites can post to (an embedded
    iframe or a plain HTML form).

    It takes no session, so it needs no CSRF token; abuse is held off by a honeypot field, a
    per-address rate limit and, for the hosted page, a signed timestamp (too fast is a bot).
    A JSON caller gets JSON back, naming each bad field.
    """
    form = selectors.form_get_public(slug=slug)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method != "POST":
        # An embedding page's tracker hands over its UTM tags and its own referrer (``ref``).
        values = {k: request.GET.get(k, "") for k in UTM_PARAMS}
        values["referrer"] = request.GET.get("ref", "")
        return _public_form_page(request, form, values=values)
    data = request.POST.dict()
    try:
        result = form_services.form_submit(
            form=form,
            data=data,
            client_address=ratelimit.client_address(request),
            referrer=request.headers.get("Referer", "")[:500],
            visitor_id=data.get("visitor_id") or request.COOKIES.get(tracking.VISITOR_COOKIE, ""),
        )
    except form_services.SubmissionRefused as exc:
        if exc.looks_accepted:  # a bot: thanked like anyone, and nothing stored
            if wants_json:
                return JsonResponse({"ok": True, "submission_id": None}, status=201)
            return render(
                request,
                "marketing/public_form_done.html",
                {"form": form, "awaiting_confirmation": False},
                status=201,
            )
        if wants_json:
            return JsonResponse(
                {"errors": [{"field": "", "message": exc.reason}]}, status=exc.status
            )
        return _public_form_page(request, form, values=data, refused=exc.reason, status=exc.status)
    except InvalidInput as exc:
        if wants_json:
            return JsonResponse(
                {"errors": [{"field": f, "message": m} for f, m in exc.errors.items()]},
                status=422,
            )
        return _public_form_page(request, form, values=data, errors=exc.errors, status=422)
    if wants_json:
        return JsonResponse({"ok": True, "submission_id": result.submission.pk}, status=201)
    awaiting = result.submission.consent_given and form.is_double_opt_in
    return render(
        request,
        "marketing/public_form_done.html",
        {"form": form, "awaiting_confirmation": awaiting},
        status=201,
    )


def form_confirm(request, token: str):
    """The double opt-in link from the confirmation email."""
    try:
        submission = form_services.submission_confirm(token=token)
    except InvalidInput as exc:
        return render(
            request, "marketing/form_confirmed.html", {"problem": exc.errors["token"]}, status=400
        )
    return render(request, "marketing/form_confirmed.html", {"form": submission.form})


# The smallest transparent GIF: 1×1, 43 bytes.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
VISITOR_COOKIE_AGE = 365 * 24 * 3600


@csrf_exempt
def pixel(request):
    """``/t/p.gif?u=<page>&r=<referrer>&vid=<visitor id>&c=1``: record a page visit.

    Always answers with the pixel (a tracker must never break the page); a bad or
    rate-limited visit is simply not stored. The visitor id comes from the tracker script (a
    first-party cookie on the site) or, on Tandem's own pages, this cookie.

    ``c=1`` says the visitor consented to tracking (or the site needs no consent: the
    tracker's ``data-consent``, see ``docs/privacy.md``). Without it no visitor id is
    accepted, nothing is stored and no cookie is set.
    """
    if request.GET.get("c") != "1":
        response = HttpResponse(PIXEL, content_type="image/gif")
        response["Cache-Control"] = "no-store"
        response["X-Tandem-Visit"] = "no consent"
        return response
    vid = (
        tracking.visitor_id_clean(
            request.GET.get("vid") or request.COOKIES.get(tracking.VISITOR_COOKIE)
        )
        or tracking.visitor_id_new()
    )
    stored = True
    try:
        tracking.visit_record(
            visitor_id=vid,
            url=request.GET.get("u") or request.headers.get("Referer", ""),
            referrer=request.GET.get("r", ""),
            client_address=ratelimit.client_address(request),
        )
    except InvalidInput:
        stored = False
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    response["X-Tandem-Visit"] = "stored" if stored else "ignored"
    response.set_cookie(
        tracking.VISITOR_COOKIE, vid, max_age=VISITOR_COOKIE_AGE, samesite="Lax", httponly=True
    )
    return response
