"""Doors for contacts, accounts and logging a touch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.access.selectors import users_active
from tandem.core.typed_input import typed_input
from tandem.dashboards.timeline import timeline
from tandem.errors import InvalidInput
from tandem.fields.filters import ALL_OPS
from tandem.fields.lists import custom_columns, custom_filter_from_query
from tandem.fields.posted import (
    custom_errors_unshown,
    custom_input_rows,
    custom_values_posted,
)
from tandem.fields.selectors import custom_fields_for
from tandem.handoff import services as handoff
from tandem.handoff.scoring import score_lines
from tandem.handoff.selectors import leads_for_user
from tandem.people import selectors, services
from tandem.people.account_filters import SORTS, AccountFilter, contact_counts, query_kept
from tandem.people.consent import consent_log_of
from tandem.people.lifecycle import Stage
from tandem.people.models import Channel, Contact, Sentiment, TouchKind
from tandem.people.schemas import LifecycleMoveIn
from tandem.sales.selectors import deals_for_user


@login_required
def contacts(request):
    query = request.GET.get("q", "").strip()
    stage = request.GET.get("stage", "")
    errors: dict[str, str] = {}
    try:
        custom_filter = custom_filter_from_query("contact", request.GET)
    except InvalidInput as exc:
        custom_filter, errors = None, exc.errors
    qs = selectors.contacts_for_user(
        user=request.user, search=query, lifecycle_stage=stage, custom_filter=custom_filter
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    ctx = {
        "page": page,
        "q": query,
        "stage": stage,
        "stages": Stage.choices,
        "section": "contacts",
        "can_create": policies.can(request.user, "create", "contact"),
        "can_merge": policies.can(request.user, "view", "contact_merge")
        or policies.can(request.user, "view", "account_merge"),
        "custom_fields": (fields := custom_fields_for("contact")),
        "columns": custom_columns("contact", request.GET.getlist("cols"), fields=fields),
        "custom_filter": custom_filter,
        "cf": {k: request.GET.get(k, "") for k in ("cf", "cf_op", "cf_value", "cf_value_to")},
        "cf_errors": errors,
        "ops": ALL_OPS,
        "query": keep.urlencode(),
        # The downloads take the page's whole query (filters, custom filter, columns).
        "download_query": keep.urlencode(),
    }
    template = "people/_contact_rows.html" if request.htmx else "people/contacts.html"
    return render(request, template, ctx)


@login_required
def accounts(request):
    """Every account the user may see: search, filters, custom columns, sorting, pages."""
    errors: dict[str, str] = {}
    try:
        filters = AccountFilter.from_query(request.GET)
    except InvalidInput as exc:
        filters, errors = AccountFilter(search=request.GET.get("q", "").strip()), exc.errors
    qs = selectors.accounts_listed_for_user(user=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = contact_counts(list(page))
    keep = request.GET.copy()
    keep.pop("page", None)
    ctx = {
        "page": page,
        "rows": [(account, counts.get(account.pk, 0)) for account in page],
        "filters": filters,
        "values": {k: request.GET.get(k, "") for k in ("q", "industry", "owner", "fit_min")},
        "errors": errors,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "industries": selectors.account_industries_for_user(user=request.user),
        "owners": users_active().order_by("first_name", "last_name", "username"),
        "section": "accounts",
        "can_create": policies.can(request.user, "create", "account"),
        "can_merge": policies.can(request.user, "view", "account_merge"),
        "custom_fields": (fields := custom_fields_for("account")),
        "columns": custom_columns("account", request.GET.getlist("cols"), fields=fields),
        "custom_filter": filters.custom_filter,
        "cf": {k: request.GET.get(k, "") for k in ("cf", "cf_op", "cf_value", "cf_value_to")},
        "cf_errors": {k: v for k, v in errors.items() if k.startswith("cf")},
        "ops": ALL_OPS,
        "query": keep.urlencode(),
        "download_query": query_kept(request.GET),
    }
    template = "people/_account_rows.html" if request.htmx else "people/accounts.html"
    return render(request, template, ctx)


@login_required
def contact_detail(request, contact_id: int):
    contact = selectors.contact_get_for_user(user=request.user, contact_id=contact_id)
    return _contact_page(request, contact)


def _contact_page(
    request, contact: Contact, errors: dict | None = None, values: dict | None = None
):
    return render(
        request,
        "people/contact.html",
        {
            "contact": contact,
            "timeline": timeline(user=request.user, contact=contact),
            "consents": contact.consents.all(),
            "consent_log": consent_log_of(contact=contact)[:100],
            "deals": deals_for_user(user=request.user, contact_id=contact.pk)[:20],
            "leads": leads_for_user(user=request.user).filter(contact=contact)[:20],
            "score_lines": score_lines(contact),
            "can_change": policies.can(request.user, "change", "contact", contact),
            "can_merge": policies.can(request.user, "change", "contact_merge", contact),
            "stages": Stage.choices,
            "move_errors": errors or {},
            "move_values": values or {"to_stage": contact.lifecycle_stage},
            "section": "contacts",
        },
    )


MOVE_LABELS = {"to_stage": "Stage", "nurture_until": "Nurture until"}


@login_required
@require_POST
def contact_move(request, contact_id: int):
    """Move the stage by hand; recycling sets a nurture date and joins the nurture segment."""
    contact = selectors.contact_get_for_user(user=request.user, contact_id=contact_id)
    values = {k: request.POST.get(k, "").strip() for k in ("to_stage", "reason", "nurture_until")}
    try:
        move = typed_input(LifecycleMoveIn, request.POST, labels=MOVE_LABELS)
        handoff.contact_stage_move(actor=request.user, contact=contact, **move.model_dump())
    except InvalidInput as exc:
        contact.refresh_from_db()
        return _contact_page(request, contact, errors=exc.errors, values=values)
    message = f"{contact} is now {contact.get_lifecycle_stage_display()}"
    if contact.nurture_until:
        message += f", nurtured by marketing until {contact.nurture_until:%Y-%m-%d}"
    messages.success(request, message + ".")
    return redirect("people:contact", contact_id=contact.pk)


@login_required
def account_detail(request, account_id: int):
    account = selectors.account_get_for_user(user=request.user, account_id=account_id)
    return render(
        request,
        "people/account.html",
        {
            "account": account,
            "contacts": selectors.contacts_for_user(user=request.user, account_id=account.pk)[:100],
            "deals": deals_for_user(user=request.user, account_id=account.pk)[:50],
            "timeline": timeline(user=request.user, account=account),
            "can_merge": policies.can(request.user, "change", "account_merge", account),
            "section": "accounts",
        },
    )


@login_required
def touch_new(request):
    """Anyone in the company logs a customer touch: who, what happened, how it felt."""
    policies.require(request.user, "create", "touch")
    errors: dict[str, str] = {}
    values = {
        "email": request.GET.get("email", ""),
        "kind": TouchKind.NOTE,
        "channel": Channel.OTHER,
        "summary": "",
        "sentiment": "",
    }
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        try:
            email = services.email_normalise(values["email"])
            contact = selectors.contact_find(email=email)
            if contact is None:
                raise InvalidInput.field(
                    "email", f"no contact with {email}; ask marketing to add them"
                )
            policies.require(request.user, "view", "contact", contact)
            if not values["summary"]:
                raise InvalidInput.field("summary", "say what happened")
            handoff.touch_log(
                contact=contact,
                kind=values["kind"],
                channel=values["channel"],
                actor=request.user,
                summary=values["summary"],
                sentiment=values["sentiment"],
            )
            messages.success(request, f"Touch with {contact} logged.")
            return redirect("people:contact", contact_id=contact.pk)
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "people/touch_new.html",
        {
            "values": values,
            "errors": errors,
            "kinds": TouchKind.choices,
            "channels": Channel.choices,
            "sentiments": Sentiment.choices,
            "section": "touch",
        },
    )


@login_required
def contact_new(request):
    """Add a contact by hand (a card from a trade show, a referral)."""
    policies.require(request.user, "create", "contact")
    fields = ("email", "first_name", "last_name", "title", "phone", "company")
    values = {k: request.POST.get(k, "").strip() for k in fields}
    custom = custom_values_posted("contact", request.POST)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            contact = services.contact_create_with_company(
                actor=request.user,
                company_name=values["company"],
                custom=custom,
                **{k: v for k, v in values.items() if k != "company"},
            )
            messages.success(request, f"{contact} added.")
            return redirect("people:contact", contact_id=contact.pk)
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "people/contact_new.html",
        {
            "values": values,
            "errors": errors,
            "custom_rows": (rows := custom_input_rows("contact", sent=custom, errors=errors)),
            "custom_errors": custom_errors_unshown(rows, errors),
            "section": "contacts",
        },
    )
