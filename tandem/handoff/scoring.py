"""The rule score: fit (who the contact is) plus engagement (what they did lately).

Fit comes from ideal-customer-profile rules (``IcpRule`` rows, or ``icp_rules.DEFAULT_RULES``),
each of a type registered in ``icp_rules.RULE_TYPES``.

Engagement: each touch kind earns points, at most ``daily_cap`` a day, and every day's points
halve every ``half_life_days`` days: a form filled 30 days ago with a 30-day half-life is worth
half a form filled today. Touches older than the window (90 days) count nil, and a recycled lead
re-earns its engagement from its recycling on.

Grade: the fit letter (A best … D) and the engagement band (1 hottest … 4), e.g. "B2".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tandem.handoff.icp_rules import DEFAULT_RULES, RULE_TYPES, Rule
from tandem.handoff.models import IcpRule, ScoringProfile, TouchWeight
from tandem.ops import settings_cache
from tandem.ops.rows import datetime_from_db
from tandem.people.lifecycle import Stage
from tandem.people.models import (
    TOUCH_KIND_VALUES,
    Contact,
    LifecycleMove,
    Touch,
    TouchKind,
)

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


@dataclass(frozen=True)
class ScoreLine:
    points: int
    reason: str


# --- Configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """The scoring settings in force (a ``ScoringProfile`` row or the defaults)."""

    threshold: int
    half_life_days: float = 30.0
    window_days: int = 90
    fit_cuts: tuple[int, int, int] = (30, 20, 10)
    engagement_cuts: tuple[int, int, int] = (60, 30, 10)
    predictive_min_leads: int = 200
    weights: dict[str, tuple[int, int]] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    # No threshold of the company's own: ``threshold`` is the TANDEM_MQL_THRESHOLD setting.
    is_threshold_default: bool = False


def mql_threshold() -> int:
    return profile().threshold


def default_profile() -> Profile:
    """The settings a company starts with (no database needed: the demo replays them)."""
    return Profile(
        threshold=int(getattr(settings, "TANDEM_MQL_THRESHOLD", 50)),
        weights={k: (p, TOUCH_KIND_CAP) for k, p in TOUCH_POINTS.items()},
        rules=DEFAULT_RULES,
        is_threshold_default=True,
    )


def profile() -> Profile:
    """The company's scoring settings, weights and ICP rules: three small queries, read once
    per process until someone changes them (``tandem.ops.settings_cache``)."""
    loaded = settings_cache.cached("scoring.profile", _profile_load)
    if loaded.threshold < 0:  # no threshold saved: the setting decides
        return replace(
            loaded,
            threshold=int(getattr(settings, "TANDEM_MQL_THRESHOLD", 50)),
            is_threshold_default=True,
        )
    return loaded


def _profile_load() -> Profile:
    row = ScoringProfile.objects.first()
    weights = {k: (p, TOUCH_KIND_CAP) for k, p in TOUCH_POINTS.items()}
    for weight in TouchWeight.objects.all():
        weights[weight.kind] = (weight.points, weight.daily_cap)
    saved = tuple(
        Rule(r.kind, r.field, r.points, r.label, tuple(r.values))
        for r in IcpRule.objects.filter(is_active=True)
    )
    rules = saved or DEFAULT_RULES
    if row is None:
        return Profile(threshold=-1, weights=weights, rules=rules)
    return Profile(
        threshold=row.mql_threshold if row.mql_threshold is not None else -1,
        half_life_days=row.half_life_days,
        window_days=row.window_days,
        fit_cuts=(row.fit_a, row.fit_b, row.fit_c),
        engagement_cuts=(row.engagement_1, row.engagement_2, row.engagement_3),
        predictive_min_leads=row.predictive_min_leads,
        weights=weights,
        rules=rules,
    )


# --- One contact (incremental) -------------------------------------------------------------


def fit_letter(fit: int, cuts: tuple[int, int, int]) -> str:
    return "A" if fit >= cuts[0] else "B" if fit >= cuts[1] else "C" if fit >= cuts[2] else "D"


def engagement_band(engagement: int, cuts: tuple[int, int, int]) -> str:
    if engagement >= cuts[0]:
        return "1"
    return "2" if engagement >= cuts[1] else "3" if engagement >= cuts[2] else "4"


def grade_of(fit: int, engagement: int, prof: Profile) -> str:
    return fit_letter(fit, prof.fit_cuts) + engagement_band(engagement, prof.engagement_cuts)


def decay_factor(age_days: int, half_life_days: float) -> float:
    """What one day's points are worth ``age_days`` later."""
    if half_life_days <= 0:
        return 1.0
    return 0.5 ** (age_days / half_life_days)


def round_points(value: float) -> int:
    """Half up, as the SQL recompute rounds (``FLOOR(x + 0.5)``)."""
    return math.floor(value + 0.5)


def fit_lines(contact: Contact, prof: Profile) -> list[ScoreLine]:
    """The ICP rules the contact (and its account) match. Rules of one type on one field form
    a ladder: only the first that matches counts (a VP who is also a "team lead" is senior)."""
    lines = []
    matched: set[tuple[str, str]] = set()
    for rule in prof.rules:
        kind = RULE_TYPES.get(rule.kind)
        record = contact.account if rule.is_account_rule else contact
        if (rule.kind, rule.field) in matched:
            continue
        if kind is None or record is None or not kind.matches(rule, record):
            continue
        matched.add((rule.kind, rule.field))
        lines.append(ScoreLine(rule.points, rule.label + kind.detail(rule, record)))
    return lines


def engagement_since(contact: Contact, now: dt.datetime, prof: Profile) -> dt.datetime:
    since = now - dt.timedelta(days=prof.window_days)
    recycled_at = (
        LifecycleMove.objects.filter(
            contact=contact, to_stage=Stage.RECYCLED, moved_at__gt=since, moved_at__lte=now
        )
        .order_by("-moved_at")
        .values_list("moved_at", flat=True)
        .first()
    )
    # A recycled lead re-earns its score: the touches that qualified it last time, and that
    # sales turned down, do not hand it straight back.
    return recycled_at if recycled_at is not None else since


def engagement_by_kind(
    touches: Iterable[tuple[str, dt.datetime]], now: dt.datetime, prof: Profile
) -> dict[str, tuple[float, int]]:
    """Decayed, daily-capped points and touch count per kind."""
    today = now.astimezone(dt.UTC).date()
    per_day: dict[tuple[str, dt.date], int] = {}
    for kind, occurred_at in touches:
        key = (kind, occurred_at.astimezone(dt.UTC).date())
        per_day[key] = per_day.get(key, 0) + 1
    result: dict[str, tuple[float, int]] = {}
    for (kind, day), count in per_day.items():
        points, cap = prof.weights.get(kind, (0, 0))
        earned = min(cap, points * count) * decay_factor((today - day).days, prof.half_life_days)
        before = result.get(kind, (0.0, 0))
        result[kind] = (before[0] + earned, before[1] + count)
    return result


def engagement_at(touches: Iterable[tuple[int, str]], at: int, prof: Profile) -> int:
    """Engagement at ``at`` from (epoch seconds, kind) touches already narrowed to the window;
    the same arithmetic as ``engagement_by_kind`` on whole UTC days, for the demo's replay."""
    today = at // 86_400
    per_day: dict[tuple[str, int], int] = {}
    for when, kind in touches:
        key = (kind, when // 86_400)
        per_day[key] = per_day.get(key, 0) + 1
    total = 0.0
    for (kind, day), count in per_day.items():
        points, cap = prof.weights.get(kind, (0, 0))
        total += min(cap, points * count) * decay_factor(today - day, prof.half_life_days)
    return round_points(total)


@dataclass(frozen=True)
class Score:
    fit: int
    engagement: int
    grade: str
    lines: list[ScoreLine]

    @property
    def total(self) -> int:
        return self.fit + self.engagement


def score_contact(
    contact: Contact, *, now: dt.datetime | None = None, prof: Profile | None = None
) -> Score:
    """Fit, engagement, grade and every reason for them."""
    prof = prof or profile()
    now = now or timezone.now()
    lines = fit_lines(contact, prof)
    fit = sum(line.points for line in lines)
    since = now - dt.timedelta(days=prof.window_days)
    touches = window_touches(contact.pk, since=since, now=now)
    by_kind = engagement_by_kind(touches, now, prof)
    days = prof.window_days
    for kind, (points, count) in by_kind.items():
        if round_points(points):
            label = TouchKind(kind).label.lower() if kind in TOUCH_KIND_VALUES else kind
            lines.append(
                ScoreLine(round_points(points), f"{label} ×{count} in the last {days} days")
            )
    engagement = round_points(sum(points for points, _ in by_kind.values()))
    return Score(fit, engagement, grade_of(fit, engagement, prof), lines)


def window_touches(
    contact_id: int, *, since: dt.datetime, now: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    """(kind, occurred_at) of the contact's touches in the window that count: those after its
    latest recycling in the window, if any (the rule of ``engagement_since``).

    One plain statement: scoring runs on every touch, and building this query through the
    ORM (a correlated subquery) cost several times what running it does."""
    adapt = connection.ops.adapt_datetimefield_value
    touch, move = Touch._meta.db_table, LifecycleMove._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, occurred_at FROM {touch} "  # noqa: S608 — table names only
            "WHERE contact_id = %s AND occurred_at >= %s AND occurred_at <= %s "
            "AND occurred_at >= COALESCE(("
            f"SELECT MAX(moved_at) FROM {move} WHERE contact_id = %s AND to_stage = %s "
            "AND moved_at > %s AND moved_at <= %s), %s) "
            # Newest first, as touches are listed: the reasons read in that order.
            "ORDER BY occurred_at DESC, id DESC",
            [
                contact_id,
                adapt(since),
                adapt(now),
                contact_id,
                Stage.RECYCLED.value,
                adapt(since),
                adapt(now),
                adapt(since),
            ],
        )
        rows = cursor.fetchall()
    return [(kind, datetime_from_db(at)) for kind, at in rows]


def score_lines(contact: Contact, *, now: dt.datetime | None = None) -> list[ScoreLine]:
    """Each reason the contact scores what it does."""
    return score_contact(contact, now=now).lines


def score_of(contact: Contact, *, now: dt.datetime | None = None) -> int:
    return score_contact(contact, now=now).total
