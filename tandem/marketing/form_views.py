"""Doors for the form builder: the list of lead forms, and the builder with embed snippets."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.marketing import form_services, selectors, tracking
from tandem.marketing import forms as form_defs
from tandem.marketing.models import Campaign, LeadForm
from tandem.marketing.schemas import LeadFormIn

EXTRA_ROWS = 3
TEXTS = ("name", "headline", "consent_wording", "thank_you")


@login_required
def forms(request):
    policies.require(request.user, "view", "lead_form")
    rows = selectors.forms_with_counts()
    return render(
        request,
        "marketing/forms.html",
        {
            "rows": rows,
            "can_create": policies.can(request.user, "create", "lead_form"),
            "section": "campaigns",
        },
    )


def _rows_from_post(post) -> list[dict]:
    """The builder's rows as a definition; a row left blank is no field."""
    fields = []
    for i in range(int(post.get("row_count", 0) or 0)):
        p = f"f-{i}-"
        name, label = post.get(p + "name", "").strip(), post.get(p + "label", "").strip()
        maps_to = post.get(p + "maps_to", "custom")
        if not name and not label and maps_to == "custom":
            continue
        options = [o.strip() for o in post.get(p + "options", "").split(",") if o.strip()]
        fields.append(
            {
                "name": name or (maps_to if maps_to != "custom" else ""),
                "label": label,
                "maps_to": maps_to,
                "kind": post.get(p + "kind", "text"),
                "is_required": post.get(p + "required") == "on",
                "options": options,
            }
        )
    return fields


def _builder(request, *, form=None, values=None, fields=None, errors=None, status=200):
    errors = errors or {}
    fields = fields if fields is not None else list(form_defs.fields_of(form) if form else [])
    if not fields:
        fields = list(form_defs.DEFAULT_FIELDS)
    # A field filling a custom field archived or deleted since: said beside it, target kept.
    problems = form_defs.form_field_problems(fields)
    rows = [
        {
            **f,
            "options_text": ", ".join(f.get("options") or []),
            "errors": [m for k, m in errors.items() if k.startswith(f"fields.{i}.")]
            or ([problems[i]] if i in problems else []),
        }
        for i, f in enumerate(fields)
    ]
    blank = {"name": "", "label": "", "maps_to": "custom", "kind": "text", "is_required": False}
    rows += [{**blank, "options_text": "", "errors": []} for _ in range(EXTRA_ROWS)]
    hosted = embed = ""
    if form is not None:
        embed = str(settings.BASE_URL)
        hosted = embed + reverse("public_form", args=[form.slug])
    return render(
        request,
        "marketing/form_builder.html",
        {
            "form": form,
            "values": values or {},
            "rows": rows,
            "errors": errors,
            "form_errors": {k: m for k, m in errors.items() if not k.startswith("fields.")},
            "targets": form_defs.targets_all(),
            "kinds": form_defs.KINDS,
            "campaigns": selectors.campaigns_by_name(),
            "hosted_url": hosted,
            "base_url": embed,
            "utm_params": [f"utm_{k}" for k in tracking.UTM_KEYS],
            "section": "campaigns",
        },
        status=status,
    )


def _campaign_of(request, raw: str) -> Campaign | None:
    if not raw:
        return None
    return selectors.campaign_get_for_user(user=request.user, campaign_id=int(raw))


@login_required
def form_new(request):
    policies.require(request.user, "create", "lead_form")
    if request.method != "POST":
        return _builder(
            request,
            values={
                "consent_wording": LeadForm._meta.get_field("consent_wording").default,
                "thank_you": LeadForm._meta.get_field("thank_you").default,
            },
        )
    posted = typed_input(LeadFormIn, request.POST)
    values = posted.model_dump()
    fields = _rows_from_post(request.POST)
    try:
        form = form_services.form_create(
            actor=request.user,
            **{k: values[k] for k in (*TEXTS, "slug", "is_double_opt_in")},
            fields=fields,
            campaign=_campaign_of(request, posted.campaign),
        )
    except InvalidInput as exc:
        return _builder(request, values=values, fields=fields, errors=exc.errors, status=422)
    messages.success(request, f"Form {form} created. Share the hosted page or embed it.")
    return redirect("marketing:form_edit", form.pk)


@login_required
def form_edit(request, form_id: int):
    form = selectors.form_get_for_user(user=request.user, form_id=form_id)
    values = {k: getattr(form, k) for k in (*TEXTS, "slug", "is_double_opt_in")}
    values["campaign"] = str(form.campaign_id or "")
    if request.method != "POST":
        return _builder(request, form=form, values=values)
    policies.require(request.user, "change", "lead_form", form)
    posted = typed_input(LeadFormIn, request.POST)
    values = {**posted.model_dump(), "slug": form.slug}  # the public address never changes
    fields = _rows_from_post(request.POST)
    try:
        form_services.form_update(
            actor=request.user,
            form=form,
            fields=fields,
            campaign=_campaign_of(request, posted.campaign),
            **{k: values[k] for k in (*TEXTS, "is_double_opt_in")},
        )
    except InvalidInput as exc:
        return _builder(
            request, form=form, values=values, fields=fields, errors=exc.errors, status=422
        )
    messages.success(request, "Form saved.")
    return redirect("marketing:form_edit", form.pk)
