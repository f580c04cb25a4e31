"""The rule score: fit (who the contact is) plus engagement (what they did lately).

Fit comes from ideal-customer-profile rules (``IcpRule`` rows, or the defaults below): each rule
is of a registered type that declares the fields it reads, tests one contact or account in
Python (for the incremental path and the plain-words reasons on the lead page) and returns a
query expression (for the set-based full recompute). A rule naming a field its type does not
read is refused at save.

Engagement: each touch kind earns points, at most ``daily_cap`` a day, and every day's points
halve every ``half_life_days`` days: a form filled 30 days ago with a 30-day half-life is worth
half a form filled today. Touches older than the window (90 days) count nil, and a recycled lead
re-earns its engagement from its recycling on.

Grade: the fit letter (A best … D) and the engagement band (1 hottest … 4), e.g. "B2".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tandem.handoff.models import IcpRule, ScoringProfile, TouchWeight
from tandem.ops import settings_cache
from tandem.ops.rows import datetime_from_db
from tandem.people.lifecycle import Stage
from tandem.people.models import (
    AUDIENCE_BY_NAME,
    TOUCH_KIND_VALUES,
    Contact,
    LifecycleMove,
    SizeBand,
    Touch,
    TouchKind,
)
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
SENIOR_WORDS = (
    "chief", "ceo", "cfo", "cto", "coo", "cio", "cmo", "vp", "svp", "evp", "vice president",
    "president", "head", "director", "founder", "co-founder", "managing partner",
    "owner-operator",
)  # fmt: skip
MANAGER_WORDS = ("manager", "lead", "leader", "principal", "supervisor")


def words_regex(words: Iterable[str], *, vendor: str = "python") -> str:
    """A case-insensitive whole-word pattern; PostgreSQL spells a word boundary ``\\y``."""
    alternatives = "|".join(re.escape(w.lower()).replace("\\-", "-") for w in words)
    boundary = r"\y" if vendor == "postgresql" else r"\b"
    return f"{boundary}({alternatives}){boundary}"


# Whole words only: "Product Owner" and "Partner Manager" are not executives.
SENIOR_TITLE = re.compile(words_regex(SENIOR_WORDS))
MANAGER_TITLE = re.compile(words_regex(MANAGER_WORDS))


@dataclass(frozen=True)
class ScoreLine:
    points: int
    reason: str


# --- Configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One ICP rule as scoring reads it (an ``IcpRule`` row or a default)."""

    kind: str
    field: str
    points: int
    label: str
    values: tuple[str, ...] = ()

    @property
    def is_account_rule(self) -> bool:
        return self.field.startswith("account.")


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


DEFAULT_RULES = (
    Rule("title_words", "contact.title", 15, "senior title", SENIOR_WORDS),
    Rule("title_words", "contact.title", 8, "manager title", MANAGER_WORDS),
    Rule("business_email", "contact.email", 10, "business email address"),
    Rule("profile_known", "account.profile", 5, "company profile known"),
)


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


# --- Rule types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleType:
    """A registered kind of ICP rule: the fields it may read, a test of one record, and the
    same test as a query expression on the model the field belongs to."""

    name: str
    fields: tuple[str, ...]
    needs_values: bool
    matches: Callable[[Rule, Any], bool]
    query: Callable[[Rule, str], Q]
    detail: Callable[[Rule, Any], str]


RULE_TYPES: dict[str, RuleType] = {}


def rule_type(
    name: str,
    *,
    fields: tuple[str, ...],
    needs_values: bool,
    query: Callable[[Rule, str], Q],
    detail: Callable[[Rule, Any], str] = lambda rule, record: "",
):
    """Register a rule type; ``detail`` adds the matched value to the reason shown."""

    def register(func: Callable[[Rule, Any], bool]) -> Callable:
        RULE_TYPES[name] = RuleType(name, fields, needs_values, func, query, detail)
        return func

    return register


# Titles are matched word by word on a padded, lower-cased copy with commas and slashes made
# spaces ("VP, Sales", "Sales/Marketing Lead"), the same way in Python and
# in SQL (a substring search: no regular expression per row).
TITLE_PUNCTUATION = ",/"


def padded_title(title: str) -> str:
    text = title.lower()
    for mark in TITLE_PUNCTUATION:
        text = text.replace(mark, " ")
    return f" {text} "


def _padded_title_sql() -> str:
    sql = "lower(title)"
    for mark in TITLE_PUNCTUATION:
        sql = f"replace({sql}, '{mark}', ' ')"
    return f"(' ' || {sql} || ' ')"


def _title_q(rule: Rule, vendor: str) -> Any:
    words = [w.lower().strip() for w in rule.values if w.strip()]
    padded = _padded_title_sql()
    # PostgreSQL spells SQLite's instr(haystack, needle) strpos.
    find = "strpos" if vendor == "postgresql" else "instr"
    sql = " OR ".join(f"{find}({padded}, %s) > 0" for _ in words)
    # Only placeholders are formatted in; the words go as parameters.
    return RawSQL(f"({sql})", [f" {w} " for w in words], output_field=BooleanField())  # noqa: S611


@rule_type(
    "title_words",
    fields=("contact.title",),
    needs_values=True,
    query=_title_q,
    detail=lambda rule, contact: f" ({contact.title})",
)
def _title_words(rule: Rule, contact) -> bool:
    padded = padded_title(contact.title)
    return any(f" {w.lower().strip()} " in padded for w in rule.values if w.strip())


def _business_email_q(rule: Rule, vendor: str) -> Any:
    domain = (
        "split_part(email, '@', 2)"
        if vendor == "postgresql"
        else "substr(email, instr(email, '@') + 1)"
    )
    domains = sorted(FREE_MAIL_DOMAINS)
    marks = ", ".join("%s" for _ in domains)
    # Only placeholders are formatted in; the domains go as parameters.
    return RawSQL(f"({domain} NOT IN ({marks}))", domains, output_field=BooleanField())  # noqa: S611


@rule_type("business_email", fields=("contact.email",), needs_values=False, query=_business_email_q)
def _business_email(rule: Rule, contact) -> bool:
    return contact.email.split("@")[-1] not in FREE_MAIL_DOMAINS


def _audience_mask(values: Sequence[str]) -> int:
    mask = 0
    for name in values:
        mask |= AUDIENCE_BY_NAME[name.lower()].value
    return mask


@rule_type(
    "audience",
    fields=("contact.audience",),
    needs_values=True,
    query=lambda rule, vendor: Q(
        audience_flags__in=[f for f in range(256) if f & _audience_mask(rule.values)]
    ),
)
def _audience(rule: Rule, contact) -> bool:
    return bool(contact.audience_flags & _audience_mask(rule.values))


ACCOUNT_FIELDS = ("account.industry", "account.size_band", "account.region")


@rule_type(
    "field_in",
    fields=ACCOUNT_FIELDS,
    needs_values=True,
    query=lambda rule, vendor: Q(**{f"{rule.field.split('.')[1]}__in": list(rule.values)}),
)
def _field_in(rule: Rule, account) -> bool:
    return getattr(account, rule.field.split(".")[1]) in rule.values


@rule_type(
    "profile_known",
    fields=("account.profile",),
    needs_values=False,
    query=lambda rule, vendor: ~Q(industry="") & ~Q(size_band=""),
    detail=lambda rule, account: f" ({account.industry}, {account.size_band})",
)
def _profile_known(rule: Rule, account) -> bool:
    return bool(account.industry and account.size_band)


KNOWN_VALUES: dict[str, Sequence[str]] = {
    "account.size_band": SizeBand.values,
    "contact.audience": list(AUDIENCE_BY_NAME),
}


def rule_problem(*, kind: str, field: str, values: Sequence[str]) -> dict[str, str]:
    """What is wrong with a rule, by form field; empty when it may be saved."""
    problems: dict[str, str] = {}
    rule_kind = RULE_TYPES.get(kind)
    if rule_kind is None:
        problems["kind"] = f"unknown rule type {kind!r}; use one of {', '.join(RULE_TYPES)}"
        return problems
    if field not in rule_kind.fields:
        problems["field"] = (
            f"unknown field {field!r} for a {kind} rule; it reads {', '.join(rule_kind.fields)}"
        )
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        problems["values"] = "give a list of words or values"
    elif rule_kind.needs_values and not [v for v in values if v.strip()]:
        problems["values"] = "give at least one value to match"
    elif field in KNOWN_VALUES:
        known = {v.lower() for v in KNOWN_VALUES[field]}
        unknown = [v for v in values if v.lower() not in known]
        if unknown:
            problems["values"] = f"unknown value {unknown[0]!r}; use {', '.join(known)}"
    return problems


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
