"""Doors for custom fields: the settings page (list per entity, create, edit, reorder,
archive) and the saving of a record's custom values from its page (htmx in place, or a plain
post that comes back to the record)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.fields import field_services as services
from tandem.fields.models import Entity, FieldKind
from tandem.fields.posted import custom_values_posted
from tandem.fields.schemas import CustomFieldIn, CustomFieldPatch
from tandem.fields.selectors import custom_field_get, custom_fields_for
from tandem.fields.templatetags.custom_fields import panel_context
from tandem.people import selectors as people_selectors
from tandem.people import services as people
from tandem.sales import selectors as sales_selectors
from tandem.sales import services as sales

LABELS = {"help_text": "Help", "choices": "Choices"}


def _entity(raw: str | None) -> str:
    return raw if raw in Entity.values else Entity.CONTACT


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _page(
    request,
    entity: str,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    edit_errors: dict | None = None,
    editing: int | None = None,
    status: int = 200,
):
    fields = custom_fields_for(entity, with_archived=True)
    return render(
        request,
        "fields/settings.html",
        {
            "entity": entity,
            "entities": Entity.choices,
            "fields": fields,
            "kinds": FieldKind.choices,
            "can_create": policies.can(request.user, "create", "custom_field"),
            "can_change": policies.can(request.user, "change", "custom_field"),
            "can_archive": policies.can(request.user, "delete", "custom_field"),
            "errors": errors or {},
            "values": values or {"kind": FieldKind.TEXT},
            "edit_errors": edit_errors or {},
            "editing": editing,
            "section": "fields",
        },
        status=status,
    )


@login_required
def settings_page(request):
    """The entity's fields; a POST defines a new one."""
    policies.require(request.user, "view", "custom_field")
    entity = _entity(request.GET.get("entity") or request.POST.get("entity"))
    if request.method != "POST":
        return _page(request, entity)
    values = {k: request.POST.get(k, "") for k in ("label", "key", "kind", "help_text", "choices")}
    data: dict[str, Any] = {**values, "entity": entity, "choices": _lines(values["choices"])}
    try:
        form = typed_input(CustomFieldIn, data, labels=LABELS)
        field = services.custom_field_create(actor=request.user, **form.model_dump())
    except InvalidInput as exc:
        return _page(request, entity, errors=exc.errors, values=values, status=422)
    messages.success(request, f"{field.label} added to {field.get_entity_display().lower()}s.")
    return redirect(f"{reverse('fields:settings')}?entity={entity}")


@login_required
@require_POST
def field_edit(request, field_id: int):
    field = custom_field_get(field_id=field_id)
    data: dict[str, Any] = {
        "label": request.POST.get("label", ""),
        "help_text": request.POST.get("help_text", ""),
    }
    if field.kind in (FieldKind.CHOICE, FieldKind.CHOICES):
        data["choices"] = _lines(request.POST.get("choices", ""))
    try:
        change = typed_input(CustomFieldPatch, data, labels=LABELS)
        services.custom_field_update(
            actor=request.user, field=field, **change.model_dump(exclude_unset=True)
        )
    except InvalidInput as exc:
        field.refresh_from_db()
        return _page(request, field.entity, edit_errors=exc.errors, editing=field.pk, status=422)
    messages.success(request, f"{field.label} saved.")
    return redirect(f"{reverse('fields:settings')}?entity={field.entity}")


@login_required
@require_POST
def field_move(request, field_id: int):
    field = custom_field_get(field_id=field_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.custom_field_move(actor=request.user, field=field, offset=offset)
    return redirect(f"{reverse('fields:settings')}?entity={field.entity}#field-{field.pk}")


@login_required
@require_POST
def field_archive(request, field_id: int):
    field = custom_field_get(field_id=field_id)
    archive = request.POST.get("is_archived") == "1"
    services.custom_field_archive(actor=request.user, field=field, is_archived=archive)
    state = "archived: hidden from pages, forms and filters, values kept" if archive else "back"
    messages.success(request, f"{field.label} {state}.")
    return redirect(f"{reverse('fields:settings')}?entity={field.entity}")


# How each entity's record is read (for this user) and written, and where its page is.
READ = {
    "contact": lambda user, pk: people_selectors.contact_get_for_user(user=user, contact_id=pk),
    "account": lambda user, pk: people_selectors.account_get_for_user(user=user, account_id=pk),
    "deal": lambda user, pk: sales_selectors.deal_get_for_user(user=user, deal_id=pk),
}
WRITE = {
    "contact": lambda user, record, custom: people.contact_update(
        actor=user, contact=record, custom=custom
    ),
    "account": lambda user, record, custom: people.account_update(
        actor=user, account=record, custom=custom
    ),
    "deal": lambda user, record, custom: sales.deal_update(actor=user, deal=record, custom=custom),
}
PAGE = {"contact": "people:contact", "account": "people:account", "deal": "sales:deal"}
PAGE_ARG = {"contact": "contact_id", "account": "account_id", "deal": "deal_id"}


@login_required
@require_POST
def values_save(request, entity: str, record_id: int):
    if entity not in READ:
        raise Http404("No such record")
    record = READ[entity](request.user, record_id)
    sent = custom_values_posted(entity, request.POST)
    try:
        WRITE[entity](request.user, record, sent)
    except InvalidInput as exc:
        record.refresh_from_db()
        context = panel_context(
            user=request.user, record=record, entity=entity, errors=exc.errors, sent=sent
        )
        template = "fields/_values.html" if request.htmx else "fields/values_page.html"
        return render(request, template, context, status=200 if request.htmx else 422)
    if request.htmx:
        context = panel_context(user=request.user, record=record, entity=entity, saved=True)
        return render(request, "fields/_values.html", context)
    return redirect(PAGE[entity], **{PAGE_ARG[entity]: record.pk})
