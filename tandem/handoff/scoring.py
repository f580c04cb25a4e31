"""The rule score: fit (who the contact is) plus engagement (what they did lately).

Rules are small registered types so later work can add or configure them without touching the
callers. Every rule declares what it reads and returns points with a plain-words reason, which
the lead page shows ("+30 submitted a form").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, LifecycleMove, Touch, TouchKind
from tandem.people.selectors import FREE_MAIL_DOMAINS

ENGAGEMENT_WINDOW = dt.timedelta(days=90)
TOUCH_POINTS: dict[str, int] = {
    TouchKind.FORM_SUBMISSION: 30,
    TouchKind.MEETING: 25,
    TouchKind.EVENT: 20,
    TouchKind.CALL: 10,
    TouchKind.EMAIL_CLICK: 8,
    TouchKind.PAGE_VISIT: 3,
    TouchKind.EMAIL_OPEN: 2,
}
# A burst of one kind (twenty page views in an afternoon) should not make an MQL on its own.
TOUCH_KIND_CAP = 40
# Whole words only: "Product Owner" and "Partner Manager" are not executives.
SENIOR_TITLE = re.compile(
    r"\b(chief|c[eftoim]o|vp|svp|evp|vice president|president|head|director|founder|"
    r"co-founder|managing partner|owner-operator)\b"
)
MANAGER_TITLE = re.compile(r"\b(manager|lead|leader|principal|supervisor)\b")


def mql_threshold() -> int:
    return int(getattr(settings, "TANDEM_MQL_THRESHOLD", 50))


@dataclass(frozen=True)
class ScoreLine:
    points: int
    reason: str


@dataclass(frozen=True)
class FitRule:
    name: str
    reads: tuple[str, ...]
    evaluate: Callable[[Contact], ScoreLine | None]


FIT_RULES: dict[str, FitRule] = {}


def fit_rule(name: str, reads: tuple[str, ...]):
    def register(func: Callable[[Contact], ScoreLine | None]) -> Callable:
        FIT_RULES[name] = FitRule(name=name, reads=reads, evaluate=func)
        return func

    return register


@fit_rule("seniority", reads=("title",))
def _seniority(contact: Contact) -> ScoreLine | None:
    title = contact.title.lower()
    if SENIOR_TITLE.search(title):
        return ScoreLine(15, f"senior title ({contact.title})")
    if MANAGER_TITLE.search(title):
        return ScoreLine(8, f"manager title ({contact.title})")
    return None


@fit_rule("business_email", reads=("email",))
def _business_email(contact: Contact) -> ScoreLine | None:
    if contact.email.split("@")[-1] not in FREE_MAIL_DOMAINS:
        return ScoreLine(10, "business email address")
    return None


@fit_rule("known_company", reads=("account.industry", "account.size_band"))
def _known_company(contact: Contact) -> ScoreLine | None:
    account = contact.account
    if account is not None and account.industry and account.size_band:
        return ScoreLine(5, f"company profile known ({account.industry}, {account.size_band})")
    return None


def score_lines(contact: Contact, *, now: dt.datetime | None = None) -> list[ScoreLine]:
    """Each reason the contact scores what it does; their sum is the score."""
    lines = [line for rule in FIT_RULES.values() if (line := rule.evaluate(contact))]
    now = now or timezone.now()
    since = now - ENGAGEMENT_WINDOW
    recycled_at = (
        LifecycleMove.objects.filter(
            contact=contact, to_stage=Stage.RECYCLED, moved_at__gt=since, moved_at__lte=now
        )
        .order_by("-moved_at")
        .values_list("moved_at", flat=True)
        .first()
    )
    if recycled_at is not None:
        # A recycled lead re-earns its score: the touches that qualified it last time, and that
        # sales turned down, do not hand it straight back.
        since = recycled_at
    points_by_kind: dict[str, int] = {}
    counts: dict[str, int] = {}
    touches = Touch.objects.filter(contact=contact, occurred_at__gte=since, occurred_at__lte=now)
    for kind in touches.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
        points_by_kind[kind] = min(
            TOUCH_KIND_CAP, points_by_kind.get(kind, 0) + TOUCH_POINTS.get(kind, 0)
        )
    for kind, points in points_by_kind.items():
        if points:
            label = TouchKind(kind).label.lower()
            lines.append(ScoreLine(points, f"{label} ×{counts[kind]} in the last 90 days"))
    return lines


def score_of(contact: Contact, *, now: dt.datetime | None = None) -> int:
    return sum(line.points for line in score_lines(contact, now=now))
