"""Doors for segments: the list, the rule editor with its live count, a segment's page."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core import charts
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.people.selectors import contact_find
from tandem.people.services import email_normalise
from tandem.segments import selectors, services
from tandem.segments.conditions import rule_describe
from tandem.segments.models import Segment
from tandem.segments.schemas import (
    MemberAddForm,
    MembersRemoveForm,
    SegmentCountForm,
    SegmentIn,
)

EMPTY_RULE = {"match": "all", "conditions": []}
MAX_UPLOAD = 5 * 1024 * 1024


@login_required
def segment_list(request):
    policies.require(request.user, "view", "segment")
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "segments/list.html",
        {
            "segments": selectors.segments_for_user(user=request.user, search=query),
            "q": query,
            "can_create": policies.can(request.user, "create", "segment"),
            "section": "segments",
        },
    )


def _rule_from(raw: str) -> object:
    try:
        return json.loads(raw or "null")
    except json.JSONDecodeError as exc:
        raise InvalidInput.field("rule", f"the rule is not valid JSON ({exc.msg})") from None


def _editor(request, segment: Segment | None):
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": segment.name if segment else "",
        "description": segment.description if segment else "",
        "kind": segment.kind if segment else Segment.Kind.DYNAMIC,
        "is_exclusion": segment.is_exclusion if segment else False,
        "rule": json.dumps(segment.rule if segment and segment.rule else EMPTY_RULE),
    }
    if request.method == "POST":
        # The form as typed, shown again when refused (a name too long included): an echo, not
        # the input; ``SegmentIn`` below is what is read.
        values = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "kind": segment.kind if segment else request.POST.get("kind", Segment.Kind.DYNAMIC),
            "is_exclusion": request.POST.get("is_exclusion") == "on",
            "rule": request.POST.get("rule", ""),
        }
        try:
            form = typed_input(SegmentIn, request.POST)
            kind = segment.kind if segment else form.kind
            rule = _rule_from(form.rule) if kind == Segment.Kind.DYNAMIC else None
            if segment is None:
                segment = services.segment_create(
                    actor=request.user, **form.model_dump(exclude={"rule"}), rule=rule
                )
                messages.success(request, f"Segment “{segment}” created.")
            else:
                services.segment_update(
                    actor=request.user,
                    segment=segment,
                    **form.model_dump(exclude={"rule", "kind"}),
                    rule=rule,
                )
                messages.success(request, f"Segment “{segment}” saved.")
            return redirect("segments:detail", segment_id=segment.pk)
        except InvalidInput as exc:
            errors = exc.errors
    rule_errors = {k: v for k, v in errors.items() if k == "rule" or k.startswith("rule.")}
    return render(
        request,
        "segments/edit.html",
        {
            "segment": segment,
            "values": values,
            "errors": errors,
            "rule_errors": rule_errors,
            "kinds": Segment.Kind.choices,
            "catalogue": selectors.builder_catalogue(),
            "section": "segments",
        },
    )


@login_required
def segment_new(request):
    policies.require(request.user, "create", "segment")
    return _editor(request, None)


@login_required
def segment_edit(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    policies.require(request.user, "change", "segment", segment)
    return _editor(request, segment)


@login_required
@require_POST
def segment_count(request):
    """The live count of a draft rule (htmx, debounced by the editor): a number or the reason
    the rule cannot be evaluated."""
    draft = typed_input(SegmentCountForm, request.POST)
    segment = None
    if draft.segment:
        segment = selectors.segment_get_for_user(user=request.user, segment_id=draft.segment)
    count, errors = None, {}
    try:
        count = services.segment_count_draft(
            actor=request.user, rule=_rule_from(draft.rule), segment=segment
        )
    except InvalidInput as exc:
        errors = exc.errors
    return render(request, "segments/_count.html", {"count": count, "errors": errors})


@login_required
def segment_detail(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    page = Paginator(selectors.segment_members(segment=segment), 50).get_page(
        request.GET.get("page")
    )
    if request.htmx and request.GET.get("part") == "members":
        return render(request, "segments/_members.html", {"segment": segment, "page": page})
    can_change = policies.can(request.user, "change", "segment", segment)
    return render(
        request,
        "segments/detail.html",
        {
            "segment": segment,
            "page": page,
            "can_change": can_change,
            "can_delete": policies.can(request.user, "delete", "segment", segment),
            "description": _describe(segment),
            "chart": _size_chart(segment),
            "section": "segments",
        },
    )


@login_required
def segment_status(request, segment_id: int):
    """The rebuild status line, polled while a rebuild is queued or running."""
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    return render(request, "segments/_status.html", {"segment": segment})


@login_required
@require_POST
def segment_rebuild(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    try:
        services.segment_rebuild_request(actor=request.user, segment=segment)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    segment.refresh_from_db()
    if request.htmx:
        return render(request, "segments/_status.html", {"segment": segment})
    return redirect("segments:detail", segment_id=segment.pk)


@login_required
@require_POST
def segment_delete(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    try:
        services.segment_delete(actor=request.user, segment=segment)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect("segments:detail", segment_id=segment.pk)
    messages.success(request, f"Segment “{segment}” deleted.")
    return redirect("segments:list")


@login_required
@require_POST
def members_add(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    try:
        address = email_normalise(typed_input(MemberAddForm, request.POST).email)
        contact = contact_find(email=address)
        if contact is None:
            raise InvalidInput.field("email", f"no contact has the address {address}")
        added = services.segment_members_add(
            actor=request.user, segment=segment, contacts=[contact]
        )
        messages.success(
            request, f"{contact} added." if added else f"{contact} is already on this list."
        )
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("segments:detail", segment_id=segment.pk)


@login_required
@require_POST
def members_remove(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    try:
        ids = [int(i) for i in typed_input(MembersRemoveForm, request.POST).contact]
    except ValueError:
        ids = []  # a tampered form removes no one
    try:
        removed = services.segment_members_remove(
            actor=request.user, segment=segment, contact_ids=ids
        )
        messages.success(request, f"{removed} contact{'s' if removed != 1 else ''} removed.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("segments:detail", segment_id=segment.pk)


@login_required
@require_POST
def members_import(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.user, segment_id=segment_id)
    upload = request.FILES.get("file")
    result, errors = None, {}
    if upload is None:
        errors = {"file": "choose a CSV file"}
    elif upload.size > MAX_UPLOAD:
        errors = {"file": "the file is over 5 MB; split it"}
    else:
        try:
            text = upload.read().decode("utf-8-sig")
            result = services.segment_members_import(
                actor=request.user, segment=segment, csv_text=text
            )
        except UnicodeDecodeError:
            errors = {"file": "the file is not UTF-8 text"}
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "segments/import_result.html",
        {"segment": segment, "result": result, "errors": errors, "section": "segments"},
    )


def _describe(segment: Segment) -> list[tuple[int, str]]:
    if not segment.rule:
        return []
    try:
        return rule_describe(segment.rule)
    except InvalidInput as exc:
        return [(0, f"This rule cannot be evaluated: {'; '.join(exc.errors.values())}")]


def _size_chart(segment: Segment) -> str:
    rows = selectors.segment_size_rows(segment=segment)
    # One sample is a dot, not a trend: the page says how sizes are kept instead.
    return charts.monthly_lines_svg(rows, title="Members over time") if len(rows) > 1 else ""
