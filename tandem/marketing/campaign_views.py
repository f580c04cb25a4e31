"""Doors for campaigns: the list, create and edit pages, a campaign's page, spend and links."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core import charts
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.marketing import campaign_services, selectors
from tandem.marketing.models import CampaignStatus, Objective
from tandem.marketing.schemas import CampaignIn, LinkIn, SpendIn
from tandem.people.models import Channel
from tandem.reports import selectors as reports
from tandem.reports.presenters import MODEL_LABELS
from tandem.segments.selectors import segments_by_name

FORM_KEYS = (
    "name",
    "objective",
    "channel",
    "utm_campaign",
    "budget",
    "starts_on",
    "ends_on",
    "message",
    "offer",
    "vertical",
)


@login_required
def campaigns(request):
    policies.require(request.user, "view", "campaign")
    today = timezone.localdate()
    status = request.GET.get("status", "")
    rows = [
        (c, c.status_on(today))
        for c in selectors.campaigns_for_user(user=request.user).order_by("-starts_on", "name")
    ]
    counts = selectors.campaign_status_counts(campaigns=[c for c, _ in rows], today=today)
    if status in CampaignStatus.values:
        rows = [(c, s) for c, s in rows if s == status]
    return render(
        request,
        "marketing/campaigns.html",
        {
            "rows": rows,
            "status": status,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in CampaignStatus.choices],
            "can_create": policies.can(request.user, "create", "campaign"),
            "section": "campaigns",
        },
    )


def _form_context(request, *, values: dict, errors: dict, campaign=None) -> dict:
    return {
        "values": values,
        "errors": errors,
        "campaign": campaign,
        "channels": Channel.choices,
        "objectives": Objective.choices,
        "segments": segments_by_name(),
        "section": "campaigns",
    }


@login_required
def campaign_new(request):
    policies.require(request.user, "create", "campaign")
    values: dict = {
        **dict.fromkeys(FORM_KEYS, ""),
        "objective": Objective.LEAD_GENERATION,
        "channel": Channel.EMAIL,
        "budget": "0",
    }
    values["segment_ids"] = []
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = typed_input(CampaignIn, request.POST, names={"segment_ids": "segments"})
        values = posted.model_dump()
        try:
            campaign = campaign_services.campaign_create(actor=request.user, **values)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Campaign {campaign} created.")
            return redirect("marketing:campaign", campaign.pk)
    ctx = _form_context(request, values=values, errors=errors)
    return render(request, "marketing/campaign_form.html", ctx, status=422 if errors else 200)


@login_required
def campaign_edit(request, campaign_id: int):
    campaign = selectors.campaign_get_for_user(user=request.user, campaign_id=campaign_id)
    policies.require(request.user, "change", "campaign", campaign)
    values = {k: getattr(campaign, k) for k in FORM_KEYS}
    values["segment_ids"] = [str(pk) for pk in campaign.segments.values_list("pk", flat=True)]
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = typed_input(CampaignIn, request.POST, names={"segment_ids": "segments"})
        values = posted.model_dump(exclude={"utm_campaign"})  # the link's name never changes
        try:
            campaign_services.campaign_update(actor=request.user, campaign=campaign, **values)
        except InvalidInput as exc:
            errors = exc.errors
            values["utm_campaign"] = campaign.utm_campaign
        else:
            messages.success(request, "Campaign saved.")
            return redirect("marketing:campaign", campaign.pk)
    ctx = _form_context(request, values=values, errors=errors, campaign=campaign)
    return render(request, "marketing/campaign_form.html", ctx, status=422 if errors else 200)


@login_required
def campaign(request, campaign_id: int):
    campaign = selectors.campaign_get_for_user(user=request.user, campaign_id=campaign_id)
    return _campaign_page(request, campaign)


def _return_on(earned: Decimal | float, spent: Decimal) -> float | None:
    """(earned − spent) / spent; None before anything is spent."""
    return float((Decimal(str(earned)) - spent) / spent) if spent > 0 else None


def _earned(user: Any, campaign: Any, spent: Decimal) -> dict[str, Any]:
    """What the campaign brought in: the pipeline and revenue of the deals it sourced, and,
    for those who read marketing's reports, its multi-touch credit from the latest attribution
    run by campaign, each with the return on what was spent."""
    sourced = reports.campaign_attributed(campaign.pk)
    earned: dict[str, Any] = {
        "pipeline": sourced["pipeline"],
        "revenue": sourced["revenue"],
        "roi": _return_on(sourced["revenue"], spent),
        "reads_credit": policies.can(user, "view", "marketing_report"),
        "credit": None,
    }
    if earned["reads_credit"]:
        credit = reports.campaign_credit(campaign.name)
        if credit is not None:
            earned["credit"] = credit
            earned["models"] = [
                {
                    "label": MODEL_LABELS[model],
                    "revenue": revenue,
                    "won": conversions,
                    "roi": _return_on(revenue, spent),
                }
                for model, revenue, conversions in credit.models
            ]
    return earned


def _campaign_page(request, campaign, *, spend_errors=None, link_errors=None):
    """The campaign's page; after a refused spend line or link, with its errors beside it."""
    spend = selectors.spend_by_month(campaign=campaign)
    chart = ""
    if len(spend) > 1:
        chart = charts.monthly_lines_svg(
            [
                {"month": r["month"], "measure": label, "count": r[key]}
                for r in spend
                for label, key in (("Spent that month", "spent"), ("Spent so far", "total"))
            ],
            title="Spend over time",
        )
    errors = bool(spend_errors or link_errors)
    numbers = selectors.campaign_numbers(campaign=campaign)
    return render(
        request,
        "marketing/campaign.html",
        {
            "campaign": campaign,
            "status": campaign.status_on(timezone.localdate()),
            "numbers": numbers,
            "earned": _earned(request.user, campaign, numbers.spent),
            "spend_lines": campaign.spend_lines.select_related("recorded_by"),
            "links": campaign.links.all(),
            "segments": campaign.segments.all(),
            "chart": chart,
            "can_change": policies.can(request.user, "change", "campaign", campaign),
            "spend_errors": spend_errors or {},
            "link_errors": link_errors or {},
            "posted": request.POST if errors else {},
            "section": "campaigns",
            "today": timezone.localdate().isoformat(),
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def spend_add(request, campaign_id: int):
    campaign = selectors.campaign_get_for_user(user=request.user, campaign_id=campaign_id)
    spend = typed_input(SpendIn, request.POST)
    try:
        campaign_services.spend_add(actor=request.user, campaign=campaign, **spend.model_dump())
    except InvalidInput as exc:
        return _campaign_page(request, campaign, spend_errors=exc.errors)
    messages.success(request, "Spend recorded.")
    return redirect("marketing:campaign", campaign.pk)


@login_required
@require_POST
def spend_delete(request, campaign_id: int, line_id: int):
    campaign = selectors.campaign_get_for_user(user=request.user, campaign_id=campaign_id)
    line = selectors.spend_line_get(campaign=campaign, line_id=line_id)
    campaign_services.spend_delete(actor=request.user, line=line)
    messages.success(request, "Spend line removed.")
    return redirect("marketing:campaign", campaign.pk)


@login_required
@require_POST
def link_create(request, campaign_id: int):
    campaign = selectors.campaign_get_for_user(user=request.user, campaign_id=campaign_id)
    wanted = typed_input(LinkIn, request.POST)
    try:
        link = campaign_services.link_create(
            actor=request.user, campaign=campaign, **wanted.model_dump()
        )
    except InvalidInput as exc:
        return _campaign_page(request, campaign, link_errors=exc.errors)
    messages.success(request, f"Link ready: {link.url}")
    return redirect("marketing:campaign", campaign.pk)
