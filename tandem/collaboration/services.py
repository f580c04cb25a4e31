"""Use cases of working together: comments and mentions, notifications, cross-training."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.collaboration.access import can_view, resource_of, target_url
from tandem.collaboration.models import (
    ASSIGNMENT_TARGETS,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Comment,
    EmailMode,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from tandem.collaboration.tasks import notification_email_send
from tandem.errors import InvalidInput
from tandem.people.models import Sentiment, Touch
from tandem.sales.models import Deal, PipelineStage

COMMENT_MAX_CHARS = 5000
GOAL_MAX_CHARS = 500
DEBRIEF_MAX_CHARS = 5000
# A mention is @ and a username, not preceded by a word character (so emails are not mentions).
MENTION_RE = re.compile(r"(?<![\w.@+-])@([\w.@+-]+)")
# Control characters other than tab and newline have no place in a comment.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain_text(raw: Any, *, field: str, max_chars: int, required: bool = True) -> str:
    """``raw`` as stored plain text: newlines normalised, control characters removed, trimmed.

    Markup is kept as the literal characters the person typed; templates escape it when shown.
    """
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput.field(field, "must be text")
    text = CONTROL_RE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if required and not text:
        raise InvalidInput.field(field, "write something first")
    if len(text) > max_chars:
        raise InvalidInput.field(
            field, f"must be at most {max_chars:,} characters (this has {len(text):,})"
        )
    return text


def mentioned_usernames(body: str) -> list[str]:
    """The usernames @mentioned in ``body``, in order, each once."""
    names: list[str] = []
    for match in MENTION_RE.finditer(body):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def _label(target: models.Model) -> str:
    return f"{resource_of(target).replace('_', ' ')} {target}"


def _wants_email_now(user: Any) -> bool:
    mode = (
        NotificationPreference.objects.filter(user=user)
        .values_list("email_mode", flat=True)
        .first()
    )
    return (mode or EmailMode.IMMEDIATE) == EmailMode.IMMEDIATE


def _notify(*, recipient: Any, kind: str, text: str, url: str, **links: Any) -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, text=text[:300], url=url, **links
    )
    if _wants_email_now(recipient):
        transaction.on_commit(lambda: notification_email_send.enqueue(notification.pk))
    return notification


def notification_send(*, recipient: Any, kind: str, text: str, url: str) -> Notification:
    """Tell one person something in their inbox, and by email right away or in the daily
    digest as they prefer. For other areas' notices (the hand-off's service level); ``kind``
    must be a declared ``NotificationKind``."""
    if kind not in NotificationKind.values:
        raise ValueError(f"undeclared notification kind {kind!r}")
    return _notify(recipient=recipient, kind=kind, text=text, url=url)


def comment_add(*, actor: Any, target: models.Model, body: Any, via: str = "ui") -> Comment:
    """Comment on a record the actor may see; notify each mentioned person who may see it too.

    A mention of someone who may not view the record is kept as plain text and tells them
    nothing: no notification, no email.
    """
    policies.require(actor, "view", resource_of(target), target)
    text = plain_text(body, field="body", max_chars=COMMENT_MAX_CHARS)
    names = mentioned_usernames(text)
    people = (
        list(get_user_model().objects.filter(username__in=names, is_active=True)) if names else []
    )
    with transaction.atomic():
        comment = Comment.objects.create(author=actor, body=text, **{resource_of(target): target})
        audit.record_created(actor=actor, obj=comment, via=via)
        allowed = [p for p in people if p.pk != actor.pk and can_view(p, target)]
        comment.mentioned.set(allowed)
        for person in allowed:
            _notify(
                recipient=person,
                kind=NotificationKind.MENTION,
                text=f"{actor} mentioned you on {_label(target)}",
                url=target_url(target),
                comment=comment,
            )
    return comment


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (reading twice keeps the first time)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("This notification is someone else's.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_set(*, actor: Any, email_mode: str) -> NotificationPreference:
    """Choose how notifications arrive by email: right away, in a daily digest, or never."""
    if email_mode not in EmailMode.values:
        raise InvalidInput.field("email_mode", f"use one of {', '.join(EmailMode.values)}")
    preference, _ = NotificationPreference.objects.update_or_create(
        user=actor, defaults={"email_mode": email_mode}
    )
    return preference


# --- Cross-training -------------------------------------------------------------------------


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise InvalidInput.field(field, "use a date like 2026-03-31") from None


def assignment_create(
    *,
    actor: Any,
    person: Any,
    target: models.Model,
    goal: Any,
    starts_on: Any,
    ends_on: Any,
    via: str = "ui",
) -> Assignment:
    """Put a person from one team into the other's work: a sales rep contributes to a
    campaign or a content piece, a marketer observes a deal's calls and meetings.

    Whoever may change the campaign, content asset or deal may invite; the person is told in
    their inbox.
    """
    resource = resource_of(target)
    if resource not in ASSIGNMENT_TARGETS:
        raise InvalidInput.field(
            "target", "cross-training is on a campaign, a content asset or a deal"
        )
    policies.require(actor, "change", resource, target)
    if resource in ("campaign", "content_asset") and not person.is_sales:
        noun = "a campaign" if resource == "campaign" else "a content piece"
        raise InvalidInput.field("person", f"{noun} takes a contributor from sales")
    if resource == "deal" and not person.is_marketing:
        raise InvalidInput.field("person", "a deal takes an observer from marketing")
    if not can_view(person, target):
        raise InvalidInput.field(
            "person", f"{person} may not see this {resource.replace('_', ' ')}"
        )
    text = plain_text(goal, field="goal", max_chars=GOAL_MAX_CHARS)
    start, end = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
    if end < start:
        raise InvalidInput.field("ends_on", "must be on or after the start date")
    with transaction.atomic():
        assignment = Assignment.objects.create(
            person=person,
            assigned_by=actor,
            role=AssignmentRole.OBSERVER if resource == "deal" else AssignmentRole.CONTRIBUTOR,
            person_team_kind="sales" if person.is_sales else "marketing",
            goal=text,
            starts_on=start,
            ends_on=end,
            **{resource: target},
        )
        audit.record_created(actor=actor, obj=assignment, via=via)
        if person.pk != actor.pk:
            _notify(
                recipient=person,
                kind=NotificationKind.ASSIGNMENT,
                text=f"{actor} asked you to join {_label(target)} as "
                f"{assignment.get_role_display().lower()}: {text}",
                url=target_url(target),
                assignment=assignment,
            )
    return assignment


def _may_update(actor: Any, assignment: Assignment) -> None:
    if actor.pk not in (assignment.person_id, assignment.assigned_by_id) and not getattr(
        actor, "is_tandem_admin", False
    ):
        raise PermissionDenied("Only the person and whoever assigned them may update it.")


def assignment_start(*, actor: Any, assignment: Assignment, via: str = "ui") -> Assignment:
    _may_update(actor, assignment)
    if assignment.status != AssignmentStatus.PLANNED:
        raise InvalidInput.field("status", f"this assignment is {assignment.status}")
    before = audit.snapshot(assignment)
    assignment.status = AssignmentStatus.ACTIVE
    assignment.save(update_fields=["status"])
    audit.record_updated(actor=actor, obj=assignment, before=before, via=via)
    return assignment


def assignment_complete(
    *, actor: Any, assignment: Assignment, debrief: Any, via: str = "ui"
) -> Assignment:
    """Close the assignment with a short debrief of what the person learnt (required)."""
    _may_update(actor, assignment)
    if assignment.status in (AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED):
        raise InvalidInput.field("status", f"this assignment is already {assignment.status}")
    note = plain_text(debrief, field="debrief", max_chars=DEBRIEF_MAX_CHARS)
    before = audit.snapshot(assignment)
    assignment.status, assignment.debrief = AssignmentStatus.COMPLETED, note
    assignment.completed_at = timezone.now()
    assignment.save(update_fields=["status", "debrief", "completed_at"])
    audit.record_updated(actor=actor, obj=assignment, before=before, via=via)
    return assignment


def assignment_cancel(*, actor: Any, assignment: Assignment, via: str = "ui") -> Assignment:
    _may_update(actor, assignment)
    if assignment.status == AssignmentStatus.COMPLETED:
        raise InvalidInput.field("status", "a completed assignment cannot be cancelled")
    before = audit.snapshot(assignment)
    assignment.status = AssignmentStatus.CANCELLED
    assignment.save(update_fields=["status"])
    audit.record_updated(actor=actor, obj=assignment, before=before, via=via)
    return assignment


# --- Everyone is a marketer -----------------------------------------------------------------


def touch_negative_notify(*, touch: Touch) -> list[Notification]:
    """Tell the owner of each open deal of the touch's contact that a touch went badly.

    Called by the service that logs touches; the person who logged it is not told about it.
    """
    if touch.sentiment != Sentiment.NEGATIVE:
        return []
    deals = Deal.objects.filter(
        contact_id=touch.contact_id, stage__outcome=PipelineStage.Outcome.OPEN
    ).select_related("owner")
    notifications = []
    who = str(touch.recorded_by) if touch.recorded_by else "Someone"
    for deal in deals:
        owner = deal.owner
        if owner.pk == touch.recorded_by_id or not owner.is_active:
            continue
        summary = f": {touch.summary[:120]}" if touch.summary else ""
        notifications.append(
            _notify(
                recipient=owner,
                kind=NotificationKind.NEGATIVE_TOUCH,
                text=f"{who} logged a negative {touch.get_kind_display().lower()} with "
                f"{touch.contact} (deal {deal}){summary}",
                url=target_url(deal),
                touch=touch,
            )
        )
    return notifications
