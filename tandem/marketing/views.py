"""Doors for marketing's home, campaigns and the public lead forms."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from tandem.access import ratelimit
from tandem.dashboards import charts, metrics
from tandem.dashboards.periods import MARKETING_CLOCK, SALES_CLOCK
from tandem.dashboards.views import period_context
from tandem.errors import InvalidInput
from tandem.marketing import selectors, services


def _marketing_reader(user) -> None:
    if not (user.is_marketing or user.role in ("leadership", "admin")):
        raise PermissionDenied("The marketing home is for marketing, leadership and admins.")


@login_required
def home(request):
    _marketing_reader(request.user)
    ctx = period_context(request, "12m", MARKETING_CLOCK + SALES_CLOCK)
    rows = metrics.campaign_results(ctx["period"])
    chart_rows = [
        {"campaign": r.name, "measure": measure, "count": getattr(r, attr)}
        for r in rows[:12]
        for measure, attr in (("Leads", "leads"), ("MQLs", "mqls"), ("Accepted", "accepted"))
    ]
    ctx.update(
        section="marketing",
        rows=rows,
        totals={
            k: sum(getattr(r, k) for r in rows) for k in ("leads", "mqls", "accepted", "rejected")
        },
        reasons=metrics.rejection_reasons(ctx["period"]),
        everyone=metrics.everyone_touches(ctx["period"]),
        chart=charts.grouped_bars_svg(
            chart_rows,
            category="campaign",
            series="measure",
            value="count",
            title="Leads, MQLs and accepted by campaign",
        ),
    )
    return render(request, "marketing/home.html", ctx)


@xframe_options_exempt
@csrf_exempt
def public_form(request, slug: str):
    """The hosted lead form, also the POST endpoint other sites can post to.

    It takes no session, so it needs no CSRF token; abuse is held off by a honeypot field and a
    per-address rate limit. A JSON caller gets JSON back, naming each bad field.
    """
    form = selectors.form_get_public(slug=slug)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method != "POST":
        return render(
            request,
            "marketing/public_form.html",
            {
                "form": form,
                "values": {
                    k: request.GET.get(k, "")
                    for k in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
                },
            },
        )
    data = request.POST.dict()
    try:
        result = services.form_submit(
            form=form,
            data=data,
            client_address=ratelimit.client_address(request),
            referrer=request.headers.get("Referer", "")[:500],
        )
    except services.SubmissionRefused as exc:
        if wants_json:
            return JsonResponse(
                {"errors": [{"field": "", "message": exc.reason}]}, status=exc.status
            )
        return render(
            request,
            "marketing/public_form.html",
            {"form": form, "refused": exc.reason, "values": data},
            status=exc.status,
        )
    except InvalidInput as exc:
        if wants_json:
            return JsonResponse(
                {"errors": [{"field": f, "message": m} for f, m in exc.errors.items()]},
                status=422,
            )
        return render(
            request,
            "marketing/public_form.html",
            {"form": form, "errors": exc.errors, "values": data},
            status=422,
        )
    if wants_json:
        return JsonResponse({"ok": True, "submission_id": result.submission.pk}, status=201)
    return render(request, "marketing/public_form_done.html", {"form": form}, status=201)
