"""The customer timeline: every touch, lifecycle move, comment and activity of a contact or an
account, newest first.

It reads people, collaboration and sales at once, which is why it lives in dashboards (the one
app that combines the domain's reads for display); each app gives its own rows, checked for the
user, and this module shapes them into one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.access import policies
from tandem.collaboration.models import Comment
from tandem.collaboration.selectors import timeline_comments
from tandem.people.models import Account, Contact, LifecycleMove, Touch
from tandem.sales.activity_selectors import timeline_activities
from tandem.sales.models import Activity


@dataclass(frozen=True)
class TimelineEntry:
    """One line on a customer's timeline: a touch, a move, a comment or an activity."""

    at: datetime
    kind: str
    title: str
    detail: str
    who: str
    team: str
    contact: Contact | None


def team_of(user: Any) -> str:
    """The team tag shown beside an entry: marketing, sales, the role's name, or system."""
    if user is None:
        return "system"
    if user.is_marketing:
        return "marketing"
    if user.is_sales:
        return "sales"
    return user.get_role_display().lower()


def _touch_entry(t: Touch) -> TimelineEntry:
    parts = (
        t.get_channel_display(),
        t.campaign.name if t.campaign else "",
        t.summary,
        t.get_sentiment_display() if t.sentiment else "",
    )
    return TimelineEntry(
        at=t.occurred_at,
        kind=t.kind,
        title=t.get_kind_display(),
        detail=" · ".join(p for p in parts if p),
        who=str(t.recorded_by) if t.recorded_by else "",
        team=team_of(t.recorded_by),
        contact=t.contact,
    )


def _move_entry(m: LifecycleMove) -> TimelineEntry:
    return TimelineEntry(
        at=m.moved_at,
        kind="lifecycle",
        title=f"{m.get_from_stage_display() or 'New'} → {m.get_to_stage_display()}",
        detail=m.reason,
        who=str(m.moved_by) if m.moved_by else "",
        team=team_of(m.moved_by),
        contact=m.contact,
    )


def _comment_entry(c: Comment) -> TimelineEntry:
    return TimelineEntry(
        at=c.created_at,
        kind="comment",
        title="Comment",
        detail=c.body,
        who=str(c.author) if c.author else "",
        team=team_of(c.author),
        contact=c.contact,
    )


def _activity_entry(a: Activity) -> TimelineEntry:
    parts = (a.subject, a.get_outcome_display(), a.deal.name if a.deal else "")
    return TimelineEntry(
        at=a.done_at or a.due_at or a.created_at,
        kind=f"activity-{a.kind}",
        title=a.get_kind_display() + ("" if a.is_done else " (to do)"),
        detail=" · ".join(p for p in parts if p),
        who=str(a.owner),
        team=team_of(a.owner),
        contact=a.contact,
    )


def timeline(
    *, user: Any, contact: Contact | None = None, account: Account | None = None, limit: int = 200
) -> list[TimelineEntry]:
    """Every touch, lifecycle move, comment and activity of a contact (or of an account),
    newest first, as far as ``user`` may see them."""
    touches = policies.visible(user, "touch", Touch.objects.all())
    moves = LifecycleMove.objects.all()
    if contact is not None:
        touches, moves = touches.filter(contact=contact), moves.filter(contact=contact)
    elif account is not None:
        touches = touches.filter(account=account)
        moves = moves.filter(contact__account=account)
    touches = touches.select_related("recorded_by", "campaign", "contact")[:limit]
    moves = moves.select_related("moved_by", "contact", "campaign")[:limit]
    entries = [_touch_entry(t) for t in touches] + [_move_entry(m) for m in moves]
    comments = timeline_comments(user=user, contact=contact, account=account, limit=limit)
    entries += [_comment_entry(c) for c in comments]
    activities = timeline_activities(user=user, contact=contact, account=account, limit=limit)
    entries += [_activity_entry(a) for a in activities]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
