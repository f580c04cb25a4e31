"""Activities: a rep's calls, meetings, emails and tasks, on deals and contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.people.models import Contact
from tandem.sales.models import Activity, ActivityKind, ActivityOutcome, Deal


def _when(value: Any, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            found = parse_datetime(str(value))
            parsed = found or dt.datetime.combine(dt.date.fromisoformat(str(value)), dt.time(9, 0))
        except ValueError:
            raise InvalidInput.field(field, f"'{value}' is not a date and time") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def activity_log(
    *,
    actor: Any,
    kind: str,
    subject: str,
    deal: Deal | None = None,
    contact: Contact | None = None,
    due_at: Any = None,
    is_done: bool = False,
    outcome: str = "",
    notes: str = "",
    via: str = "ui",
) -> Activity:
    """Log a call, meeting, email or task; done now (with an outcome) or due later."""
    policies.require(actor, "create", "activity")
    if deal is not None:
        policies.require(actor, "change", "deal", deal)
    if kind not in ActivityKind.values:
        raise InvalidInput.field("kind", f"choose one of: {', '.join(ActivityKind.values)}")
    subject = (subject or "").strip()
    if not subject:
        raise InvalidInput.field("subject", "say what it is about")
    if deal is None and contact is None:
        raise InvalidInput.field("contact", "an activity is on a deal or a contact")
    if outcome and outcome not in ActivityOutcome.values:
        raise InvalidInput.field("outcome", f"choose one of: {', '.join(ActivityOutcome.values)}")
    due = _when(due_at, "due_at")
    if not is_done and due is None:
        raise InvalidInput.field("due_at", "an activity still to do needs a due date")
    now = timezone.now()
    with transaction.atomic():
        activity = Activity.objects.create(
            kind=kind,
            subject=subject[:200],
            deal=deal,
            contact=contact or (deal.contact if deal else None),
            owner=actor,
            due_at=due,
            done_at=now if is_done else None,
            outcome=(outcome or ActivityOutcome.DONE) if is_done else "",
            notes=(notes or "").strip()[:5000],
            created_at=now,
        )
        audit.record_created(actor=actor, obj=activity, via=via)
    return activity


def activity_complete(
    *, actor: Any, activity: Activity, outcome: str = "", notes: str = "", via: str = "ui"
) -> Activity:
    """Mark an activity done, with how it went."""
    policies.require(actor, "change", "activity", activity)
    outcome = outcome or ActivityOutcome.DONE
    if outcome not in ActivityOutcome.values:
        raise InvalidInput.field("outcome", f"choose one of: {', '.join(ActivityOutcome.values)}")
    if activity.done_at is not None:
        raise InvalidInput.field("outcome", "this activity is already done")
    with transaction.atomic():
        before = audit.snapshot(activity)
        activity.done_at, activity.outcome = timezone.now(), outcome
        if notes:
            activity.notes = (activity.notes + "\n" + notes.strip()).strip()[:5000]
        activity.save(update_fields=["done_at", "outcome", "notes"])
        audit.record_updated(actor=actor, obj=activity, before=before, via=via)
    return activity


def activity_delete(*, actor: Any, activity: Activity, via: str = "ui") -> None:
    policies.require(actor, "delete", "activity", activity)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=activity, via=via)
        activity.delete()
