"""Reads of reps' activities: lists, one activity, the day view, the customer timeline's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tandem.access import policies
from tandem.sales.models import Activity


def activities_for_user(
    *, user: Any, deal_id: int | None = None, contact_id: int | None = None
) -> QuerySet[Activity]:
    """Activities the user may see, on one deal or one contact when asked."""
    qs = policies.visible(user, "activity", Activity.objects.select_related("owner", "deal"))
    if deal_id:
        qs = qs.filter(deal_id=deal_id)
    if contact_id:
        qs = qs.filter(contact_id=contact_id)
    return qs


def activity_get_for_user(*, user: Any, activity_id: int) -> Activity:
    """One activity the user may see, else 404."""
    return policies.get_visible(
        user, "activity", Activity.objects.select_related("owner", "deal"), activity_id
    )


@dataclass(frozen=True)
class DayView:
    """A rep's day: open activities by when they are due, and what was done today."""

    overdue: list[Activity]
    today: list[Activity]
    upcoming: list[Activity]
    done_today: list[Activity]


def day_view(*, user: Any, now: dt.datetime | None = None, upcoming_days: int = 7) -> DayView:
    """The rep's own open activities: overdue, due today, next few days; and today's done."""
    now = timezone.localtime(now or timezone.now())
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    mine = Activity.objects.filter(owner=user).select_related("deal", "contact")
    open_ = mine.filter(done_at__isnull=True).order_by("due_at", "id")
    return DayView(
        overdue=list(open_.filter(due_at__lt=start)[:50]),
        today=list(open_.filter(due_at__gte=start, due_at__lt=end)),
        upcoming=list(
            open_.filter(due_at__gte=end, due_at__lt=end + dt.timedelta(days=upcoming_days))[:50]
        ),
        done_today=list(mine.filter(done_at__gte=start, done_at__lt=end).order_by("-done_at")),
    )


def timeline_activities(
    *, user: Any, contact: Any = None, account: Any = None, limit: int = 200
) -> list[Activity]:
    """The activities the customer timeline shows (``dashboards.timeline``), newest first."""
    qs = policies.visible(user, "activity", Activity.objects.all())
    if contact is not None:
        qs = qs.filter(contact=contact)
    elif account is not None:
        qs = qs.filter(contact__account=account)
    return list(qs.select_related("owner", "contact", "deal").order_by("-created_at")[:limit])
