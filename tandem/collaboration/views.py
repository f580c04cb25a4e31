"""Doors of collaboration: post a comment, the inbox of mentions and assignments, cross-training."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.collaboration import selectors, services
from tandem.collaboration.access import resource_of, target_url
from tandem.collaboration.models import EmailMode
from tandem.collaboration.schemas import (
    AssignmentActionForm,
    AssignmentForm,
    CommentIn,
    PreferenceIO,
)
from tandem.collaboration.templatetags.collaboration import conversation_context
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput


@login_required
@require_POST
def comment_post(request, resource: str, target_id: int):
    """Add a comment; htmx gets the thread back, a plain form post goes back to the record."""
    target = selectors.target_get_for_user(
        user=request.user, resource=resource, target_id=target_id
    )
    body = request.POST.get("body", "")  # the text as typed, shown again when refused
    errors: dict[str, str] = {}
    try:
        comment = typed_input(CommentIn, request.POST)
        services.comment_add(actor=request.user, target=target, body=comment.body)
        body = ""
    except InvalidInput as exc:
        errors = exc.errors
    if request.htmx:
        ctx = conversation_context(user=request.user, target=target, errors=errors, body=body)
        return render(request, "collaboration/_comments.html", ctx, status=422 if errors else 200)
    if errors:
        messages.error(request, "; ".join(errors.values()))
    return redirect(target_url(target) + "#conversation")


def _inbox_context(request) -> dict:
    preference = selectors.notification_preference_of(user=request.user)
    return {
        "notifications": selectors.notifications_for(user=request.user),
        "unread": selectors.unread_count(user=request.user),
        "assignments": selectors.assignments_for(user=request.user),
        "email_mode": preference.email_mode if preference else EmailMode.IMMEDIATE,
        "email_modes": EmailMode.choices,
        "section": "inbox",
    }


@login_required
def inbox(request):
    """My work: mentions, assignments and alerts, unread first; my cross-training."""
    return render(request, "collaboration/inbox.html", _inbox_context(request))


@login_required
@require_POST
def notification_read(request, notification_id: int):
    notification = selectors.notification_get_for_user(
        user=request.user, notification_id=notification_id
    )
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.htmx:
        return render(request, "collaboration/_notification.html", {"n": notification})
    return redirect("collaboration:inbox")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_mark_all_read(actor=request.user)
    return redirect("collaboration:inbox")


@login_required
@require_POST
def preference(request):
    try:
        chosen = typed_input(PreferenceIO, request.POST, labels={"email_mode": "Email"})
        services.preference_set(actor=request.user, email_mode=chosen.email_mode)
        messages.success(request, "Email preference saved.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("collaboration:inbox")


@login_required
def assignment_new(request, resource: str, target_id: int):
    """Invite someone from the other team onto a campaign or content piece (contributor) or
    a deal (observer)."""
    target = selectors.target_get_for_user(
        user=request.user, resource=resource, target_id=target_id
    )
    wanted = "marketing" if resource_of(target) == "deal" else "sales"
    roles = (
        ("sales_rep", "sales_manager") if wanted == "sales" else ("marketer", "marketing_manager")
    )
    people = get_user_model().objects.filter(role__in=roles, is_active=True)
    errors: dict[str, str] = {}
    values = {"person": "", "goal": "", "starts_on": "", "ends_on": ""}
    if request.method == "POST":
        values = typed_input(AssignmentForm, request.POST).model_dump()
        person = people.filter(pk=values["person"]).first() if values["person"].isdigit() else None
        try:
            if person is None:
                raise InvalidInput.field("person", f"choose someone from {wanted}")
            services.assignment_create(
                actor=request.user,
                person=person,
                target=target,
                goal=values["goal"],
                starts_on=values["starts_on"],
                ends_on=values["ends_on"],
            )
            messages.success(request, f"{person} is invited; they will see it in their inbox.")
            return redirect(target_url(target))
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "collaboration/assignment_new.html",
        {
            "target": target,
            "resource": resource_of(target),
            "people": people,
            "wanted": wanted,
            "values": values,
            "errors": errors,
            "section": "inbox",
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def assignment_update(request, assignment_id: int):
    assignment = selectors.assignment_get_for_user(user=request.user, assignment_id=assignment_id)
    chosen = typed_input(AssignmentActionForm, request.POST)
    action = chosen.action
    try:
        if action == "start":
            services.assignment_start(actor=request.user, assignment=assignment)
        elif action == "complete":
            services.assignment_complete(
                actor=request.user, assignment=assignment, debrief=chosen.debrief
            )
        elif action == "cancel":
            services.assignment_cancel(actor=request.user, assignment=assignment)
        else:
            raise InvalidInput.field("action", "use start, complete or cancel")
        messages.success(request, f"Assignment {assignment.get_status_display().lower()}.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("collaboration:inbox")
