"""Reads of collaboration: a record's comments, a person's inbox and work, cross-training counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from tandem.access import policies
from tandem.collaboration.access import resource_of
from tandem.collaboration.models import (
    Assignment,
    AssignmentStatus,
    Comment,
    Notification,
    NotificationPreference,
)
from tandem.marketing.content_selectors import asset_get_for_user
from tandem.marketing.selectors import campaign_get_for_user
from tandem.people.models import Account, Contact
from tandem.people.selectors import account_get_for_user, contact_get_for_user
from tandem.sales.selectors import deal_get_for_user
from tandem.segments.models import SegmentMember
from tandem.segments.selectors import segment_get_for_user


def comments_for(*, user: Any, target: Any) -> QuerySet[Comment]:
    """The conversation on a record, oldest first; only for someone who may view the record."""
    resource = resource_of(target)
    policies.require(user, "view", resource, target)
    return Comment.objects.filter(**{resource: target}).select_related("author")


def timeline_comments(
    *, user: Any, contact: Contact | None = None, account: Account | None = None, limit: int = 200
) -> list[Comment]:
    """Comments for the customer timeline: on the contact, or on the account and its contacts.

    Comments on deals stay on the deal: whoever may see the customer may not see the deal.
    """
    qs = Comment.objects.select_related("author", "contact")
    if contact is not None:
        if not policies.can(user, "view", "contact", contact):
            return []
        qs = qs.filter(contact=contact)
    elif account is not None:
        if not policies.can(user, "view", "account", account):
            return []
        visible_contacts = policies.visible(
            user, "contact", Contact.objects.filter(account=account)
        )
        qs = qs.filter(Q(account=account) | Q(contact__in=visible_contacts))
    else:
        return []
    return list(qs.order_by("-created_at", "-id")[:limit])


def notifications_for(*, user: Any, limit: int = 100) -> list[Notification]:
    """The person's inbox: unread first, then newest first."""
    unread_first = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1))
    qs = Notification.objects.filter(recipient=user).order_by(unread_first, "-created_at", "-id")
    return list(qs[:limit])


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get_for_user(*, user: Any, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        # Someone else's notification is as good as missing: its existence reveals nothing.
        raise Http404("No such notification")
    return notification


def assignments_for(*, user: Any) -> QuerySet[Assignment]:
    """Cross-training the person takes part in or asked for, open ones first."""
    return (
        Assignment.objects.filter(Q(person=user) | Q(assigned_by=user))
        .select_related("person", "assigned_by", "campaign", "content_asset", "deal")
        .order_by("completed_at", "-starts_on", "-id")
    )


def assignment_get_for_user(*, user: Any, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related(
            "person", "assigned_by", "campaign", "content_asset", "deal"
        )
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise Http404("No such assignment")
    if user.pk not in (assignment.person_id, assignment.assigned_by_id) and not (
        policies.can(user, "view", resource_of(assignment.target), assignment.target)
    ):
        raise policies.PermissionDenied("You may not see this assignment.")
    return assignment


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar quarter holding ``day``."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    next_first = dt.date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
    return first, next_first - dt.timedelta(days=1)


@dataclass(frozen=True)
class PersonCount:
    person: str
    team: str
    assignments: int
    completed: int


@dataclass(frozen=True)
class CrossTrainingCounts:
    """Cross-training assignments starting in a quarter, per team and per person."""

    start: dt.date
    end: dt.date
    by_team: dict[str, int]
    completed_by_team: dict[str, int]
    by_person: list[PersonCount]

    @property
    def total(self) -> int:
        return sum(self.by_team.values())


def cross_training_counts(*, day: dt.date) -> CrossTrainingCounts:
    """Counts for the quarter holding ``day``; cancelled assignments do not count."""
    start, end = quarter_of(day)
    qs = Assignment.objects.filter(starts_on__range=(start, end)).exclude(
        status=AssignmentStatus.CANCELLED
    )
    completed = Count("id", filter=Q(status=AssignmentStatus.COMPLETED))
    by_team: dict[str, int] = {"marketing": 0, "sales": 0}
    completed_by_team: dict[str, int] = {"marketing": 0, "sales": 0}
    for row in qs.values("person_team_kind").annotate(n=Count("id"), done=completed):
        by_team[row["person_team_kind"]] = row["n"]
        completed_by_team[row["person_team_kind"]] = row["done"]
    people = (
        qs.values(
            "person_id",
            "person__username",
            "person__first_name",
            "person__last_name",
            "person_team_kind",
        )
        .annotate(n=Count("id"), done=completed)
        .order_by("-n", "person__username")
    )
    by_person = [
        PersonCount(
            person=f"{row['person__first_name']} {row['person__last_name']}".strip()
            or row["person__username"],
            team=row["person_team_kind"],
            assignments=row["n"],
            completed=row["done"],
        )
        for row in people
    ]
    return CrossTrainingCounts(
        start=start,
        end=end,
        by_team=by_team,
        completed_by_team=completed_by_team,
        by_person=by_person,
    )


def target_get_for_user(*, user: Any, resource: str, target_id: int) -> Any:
    """The contact, account, deal, campaign, segment or content asset a conversation is on,
    checked like its own page."""
    getters = {
        "contact": lambda: contact_get_for_user(user=user, contact_id=target_id),
        "account": lambda: account_get_for_user(user=user, account_id=target_id),
        "deal": lambda: deal_get_for_user(user=user, deal_id=target_id),
        "campaign": lambda: campaign_get_for_user(user=user, campaign_id=target_id),
        "segment": lambda: segment_get_for_user(user=user, segment_id=target_id),
        "content_asset": lambda: asset_get_for_user(user=user, asset_id=target_id),
    }
    if resource not in getters:
        raise Http404("No conversation there")
    return getters[resource]()


@dataclass(frozen=True)
class SegmentSentiment:
    """How the contacts of one segment felt in the touches logged about them."""

    segment: str
    positive: int
    neutral: int
    negative: int


def sentiment_by_segment(*, start: Any, end: Any, limit: int = 20) -> list[SegmentSentiment]:
    """Touches with a sentiment in the period, by the segments their contact belongs to now;
    one touch counts in each of its contact's segments. Largest segments by touches first."""
    rows = (
        SegmentMember.objects.filter(
            contact__touches__occurred_at__range=(start, end),
            contact__touches__sentiment__in=("positive", "neutral", "negative"),
        )
        .values("segment__name")
        .annotate(
            positive=Count("contact__touches", filter=Q(contact__touches__sentiment="positive")),
            neutral=Count("contact__touches", filter=Q(contact__touches__sentiment="neutral")),
            negative=Count("contact__touches", filter=Q(contact__touches__sentiment="negative")),
            total=Count("contact__touches"),
        )
        .order_by("-total", "segment__name")[:limit]
    )
    return [
        SegmentSentiment(r["segment__name"], r["positive"], r["neutral"], r["negative"])
        for r in rows
    ]


def notification_preference_of(*, user: Any) -> NotificationPreference | None:
    """How a user chose to get notifications by email; None until they choose."""
    return NotificationPreference.objects.filter(user=user).first()
