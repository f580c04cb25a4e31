"""Set-based rescoring: every contact, or a batch of them, in a few reads and bulk writes.

The same arithmetic as ``scoring.score_contact`` (which explains one contact's score on the
lead page), done for many contacts at once:

1. **Read** the fit inputs through the registered rule types' query expressions (one grouped
   ``SELECT`` per chunk of contacts, the account rules once per account) and the decayed,
   daily-capped engagement per contact (one grouped ``SELECT`` over the window's touches:
   counts per contact × kind × day, capped, weighted by a table of decay factors).
2. **Compute** score and grade for every contact in numpy.
3. **Write back** only the rows whose values changed, in chunks: ``executemany`` of an
   ``UPDATE … WHERE id`` on SQLite, ``UPDATE … FROM unnest(arrays)`` on PostgreSQL, all in the
   caller's transaction.

It returns which contacts changed and which now stand at the MQL threshold in a stage that can
still qualify, so the caller (``services``) hands off only those, through the lifecycle
services that record every move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tandem.handoff import icp_rules, scoring
from tandem.people.lifecycle import Stage
from tandem.people.models import Account, Contact

# Contacts per read of the fit inputs and per IN (…) list of the engagement read: well under
# SQLite's limit of host parameters, and small enough that a batch of 5,000 is a few queries.
READ_CHUNK = 5_000
# Rows per bulk write.
WRITE_CHUNK = 2_000
QUALIFIABLE_STAGES = (Stage.SUBSCRIBER, Stage.LEAD, Stage.RECYCLED)


@dataclass
class Rescored:
    """What a bulk rescore did: how many contacts it read, which changed, which qualify."""

    rescored: int = 0
    changed_ids: list[int] = field(default_factory=list)
    accounts_changed: int = 0
    # Score at or above the threshold and in a stage that can still become an MQL.
    ready_ids: list[int] = field(default_factory=list)
    threshold: int = 0


def rescore(
    *, contact_ids: Sequence[int] | None = None, now: dt.datetime | None = None
) -> Rescored:
    """Recompute fit, engagement, score and grade of these contacts (every contact when
    ``contact_ids`` is None) and write the ones that changed. Runs in one transaction."""
    prof = scoring.profile()
    now = now or timezone.now()
    ids = None if contact_ids is None else sorted({int(i) for i in contact_ids})
    result = Rescored(threshold=prof.threshold)
    if ids == []:
        return result
    with transaction.atomic():
        contacts = _contacts_read(ids, prof)
        if contacts.ids.size == 0:
            return result
        account_fit, result.accounts_changed = _accounts_rescore(
            None if ids is None else np.unique(contacts.account_ids[contacts.account_ids > 0]),
            prof,
        )
        engagement = _engagement_read(ids, contacts.ids, prof, now)
        fit = contacts.rule_fit + _lookup(account_fit, contacts.account_ids)
        total = fit + engagement
        grade = _grades(fit, engagement, prof)
        changed = (
            (fit != contacts.fit)
            | (engagement != contacts.engagement)
            | (total != contacts.score)
            | (grade != contacts.grade)
        )
        _contacts_write(
            contacts.ids[changed], fit[changed], engagement[changed], total[changed], grade[changed]
        )
        qualifiable = np.isin(contacts.stage, np.array(QUALIFIABLE_STAGES, dtype=object))
        ready = (total >= prof.threshold) & qualifiable
        result.rescored = int(contacts.ids.size)
        result.changed_ids = contacts.ids[changed].tolist()
        result.ready_ids = contacts.ids[ready].tolist()
    return result


def accounts_fit_rescore(*, account_ids: Sequence[int]) -> dict[int, int]:
    """Recompute these accounts' fit (the ICP rules on account fields) and write the ones that
    changed, whether or not they have contacts; returns each account's fit."""
    fits, _ = _accounts_rescore(
        np.array(sorted(set(account_ids)), dtype=np.int64), scoring.profile()
    )
    return fits


def rescore_all(*, now: dt.datetime | None = None) -> int:
    """Recompute fit, engagement, score and grade of every contact set-based (no hand-offs).
    Returns how many contacts were read."""
    return rescore(now=now).rescored


# --- Read ----------------------------------------------------------------------------------


@dataclass
class _Contacts:
    ids: np.ndarray
    account_ids: np.ndarray  # 0 for none
    rule_fit: np.ndarray
    fit: np.ndarray
    engagement: np.ndarray
    score: np.ndarray
    grade: np.ndarray  # object (str)
    stage: np.ndarray  # object (str)


# The contact fields ICP rules read, by the column that holds them. A rule is evaluated once
# per distinct value (forty job titles, a few thousand e-mail domains) with the very test that
# explains one contact's score (``RuleType.matches``), so the two can never disagree.
RULE_COLUMNS = {
    "contact.title": "title",
    "contact.email": "email",
    "contact.audience": "audience_flags",
}


def _rule_key(column: str, value: object) -> object:
    # Rules on the address judge its domain (free mail or not): one test per domain.
    if column == "email":
        return "@" + str(value or "").rpartition("@")[2]
    return value if value is not None else ""


def _ladders(rules: Sequence[icp_rules.Rule]) -> list[list[icp_rules.Rule]]:
    ladders: dict[tuple[str, str], list[icp_rules.Rule]] = {}
    for rule in rules:
        ladders.setdefault((rule.kind, rule.field), []).append(rule)
    return list(ladders.values())


def _ladder_points(ladder: list[icp_rules.Rule], column: str, value: object) -> int:
    """As ``scoring.fit_lines``: the first rule of a ladder that matches counts."""

    record = SimpleNamespace(**{"title": "", "email": "", "audience_flags": 0, column: value})
    for rule in ladder:
        if icp_rules.RULE_TYPES[rule.kind].matches(rule, record):
            return rule.points
    return 0


def _contacts_read(ids: list[int] | None, prof: scoring.Profile) -> _Contacts:
    vendor = connection.vendor
    rules = [r for r in prof.rules if not r.is_account_rule and r.kind in icp_rules.RULE_TYPES]
    in_python = [ladder for ladder in _ladders(rules) if ladder[0].field in RULE_COLUMNS]
    in_sql = [r for r in rules if r.field not in RULE_COLUMNS]
    expression = _sum_of_cases(in_sql, vendor) if in_sql else Value(0, output_field=IntegerField())
    read = sorted({RULE_COLUMNS[ladder[0].field] for ladder in in_python})
    columns = (
        "id", "account_id", "rule_fit", "fit_score", "engagement_score", "score", "grade",
        "lifecycle_stage", *read,
    )  # fmt: skip
    rows: list[tuple] = []
    for chunk in _chunks(ids):
        queryset = (
            Contact.objects.all() if chunk is None else Contact.objects.filter(pk__in=_ids(chunk))
        )
        queryset = queryset.annotate(rule_fit=expression).order_by("id").values_list(*columns)
        # The compiled query runs on a plain cursor: a million rows through the ORM's row
        # machinery costs seconds that the numbers do not need.
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows.extend(cursor.fetchall())
    count = len(rows)
    unzipped = list(zip(*rows, strict=True)) if rows else [()] * len(columns)

    def as_int(values) -> np.ndarray:
        return np.fromiter((v or 0 for v in values), dtype=np.int64, count=count)

    rule_fit = as_int(unzipped[2])
    for ladder in in_python:
        column = RULE_COLUMNS[ladder[0].field]
        values = unzipped[columns.index(column)]
        points: dict[object, int] = {}
        keys = [_rule_key(column, v) for v in values]
        for key in set(keys):
            points[key] = _ladder_points(ladder, column, key)
        if any(points.values()):
            rule_fit += np.fromiter((points[k] for k in keys), dtype=np.int64, count=count)
    return _Contacts(
        ids=as_int(unzipped[0]),
        account_ids=as_int(unzipped[1]),
        rule_fit=rule_fit,
        fit=as_int(unzipped[3]),
        engagement=as_int(unzipped[4]),
        score=as_int(unzipped[5]),
        grade=np.array(unzipped[6], dtype=object),
        stage=np.array(unzipped[7], dtype=object),
    )


def _sum_of_cases(rules: Sequence[icp_rules.Rule], vendor: str) -> Any:
    """One SQL expression adding the points of each ladder's first matching rule."""
    expression: Any = Value(0, output_field=IntegerField())
    ladders: dict[tuple[str, str], list[icp_rules.Rule]] = {}
    for rule in rules:
        ladders.setdefault((rule.kind, rule.field), []).append(rule)
    for ladder in ladders.values():
        # As scoring.fit_lines: only the first matching rule of a ladder counts (When stops
        # there).
        whens = [
            When(icp_rules.RULE_TYPES[rule.kind].query(rule, vendor), then=Value(rule.points))
            for rule in ladder
        ]
        expression = expression + Case(*whens, default=Value(0), output_field=IntegerField())
    return expression


def _ids(chunk: list[int]) -> list[int] | RawSQL:
    """The right side of ``pk__in``: on PostgreSQL one array parameter, not 5,000 placeholders
    (psycopg's client-side binding splits a query by its placeholders, in Python)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [chunk])
    return chunk


def _chunks(ids: list[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), READ_CHUNK):
        yield ids[start : start + READ_CHUNK]


def _accounts_rescore(
    account_ids: np.ndarray | None, prof: scoring.Profile
) -> tuple[dict[int, int], int]:
    """Each account's fit (every account, or these); writes the ones that changed."""
    vendor = connection.vendor
    rules = [r for r in prof.rules if r.is_account_rule and r.kind in icp_rules.RULE_TYPES]
    expression = _sum_of_cases(rules, vendor) if rules else Value(0, output_field=IntegerField())
    fits: dict[int, int] = {}
    changed: list[tuple[int, int]] = []
    chunks = _chunks(None if account_ids is None else account_ids.tolist())
    for chunk in chunks:
        queryset = Account.objects.all() if chunk is None else Account.objects.filter(pk__in=chunk)
        for pk, fit, before in queryset.annotate(fit=expression).values_list(
            "id", "fit", "fit_score"
        ):
            fits[pk] = fit
            if fit != before:
                changed.append((fit, pk))
    if changed:
        with connection.cursor() as cursor:
            for start in range(0, len(changed), WRITE_CHUNK):
                cursor.executemany(
                    "UPDATE people_account SET fit_score = %s WHERE id = %s",
                    changed[start : start + WRITE_CHUNK],
                )
    return fits, len(changed)


def _lookup(values: dict[int, int], keys: np.ndarray) -> np.ndarray:
    if not values:
        return np.zeros(keys.size, dtype=np.int64)
    top = max(max(values), int(keys.max(initial=0)))
    table = np.zeros(top + 1, dtype=np.int64)
    table[np.fromiter(values.keys(), dtype=np.int64)] = np.fromiter(values.values(), np.int64)
    return table[keys]


def _touches_sql(vendor: str, id_count: int | None) -> str:
    """The window's touches as (contact, kind, UTC day), after any recycling of the contact."""
    day = (
        "(t.occurred_at AT TIME ZONE 'UTC')::date"
        if vendor == "postgresql"
        else (
            "substr(t.occurred_at, 1, 10)"  # SQLite keeps UTC text: 'YYYY-MM-DD HH:MM:SS…'
        )
    )
    # On PostgreSQL the ids are one array parameter (see ``_ids``).
    marks = (
        "IN (SELECT unnest(%s::bigint[]))"
        if vendor == "postgresql"
        else "IN (" + ", ".join(["%s"] * (id_count or 0)) + ")"
    )
    only_moves = f"AND contact_id {marks}" if id_count else ""
    only_touches = f"AND t.contact_id {marks}" if id_count else ""
    if vendor == "postgresql" and id_count:
        # Contact by contact through the (contact, time) index, whatever the statistics say: on
        # a young table the planner otherwise scans the whole window and filters it.
        return f"""
        WITH recycled AS (
            SELECT contact_id, MAX(moved_at) AS since FROM people_lifecyclemove
            WHERE to_stage = %s AND moved_at > %s AND moved_at <= %s {only_moves}
            GROUP BY contact_id
        )
        SELECT t.contact_id, t.kind, {day}
        FROM unnest(%s::bigint[]) AS ids (id)
        CROSS JOIN LATERAL (
            SELECT contact_id, kind, occurred_at FROM people_touch
            WHERE contact_id = ids.id AND occurred_at >= %s AND occurred_at <= %s
        ) t
        LEFT JOIN recycled r ON r.contact_id = t.contact_id
        WHERE r.since IS NULL OR t.occurred_at >= r.since
        """  # noqa: S608
    # Only the vendor's day expression and placeholders are formatted in.
    return f"""
        WITH recycled AS (
            SELECT contact_id, MAX(moved_at) AS since FROM people_lifecyclemove
            WHERE to_stage = %s AND moved_at > %s AND moved_at <= %s {only_moves}
            GROUP BY contact_id
        )
        SELECT t.contact_id, t.kind, {day}
        FROM people_touch t LEFT JOIN recycled r ON r.contact_id = t.contact_id
        WHERE t.occurred_at >= %s AND t.occurred_at <= %s {only_touches}
          AND (r.since IS NULL OR t.occurred_at >= r.since)
    """  # noqa: S608


def _engagement_read(
    ids: list[int] | None, contact_ids: np.ndarray, prof: scoring.Profile, now: dt.datetime
) -> np.ndarray:
    """Decayed, daily-capped engagement of each contact in ``contact_ids`` (sorted).

    The touches come as plain rows (cheaper than grouping them in SQLite); numpy counts them
    per contact × kind × day, caps each day's points per kind, decays them by the day's age
    and adds them up per contact, then rounds half up as ``scoring.round_points``.
    """
    vendor = connection.vendor
    at = connection.ops.adapt_datetimefield_value
    since = now - dt.timedelta(days=prof.window_days)
    today = now.astimezone(dt.UTC).date()
    kinds = sorted(prof.weights)
    kind_code = {k: i for i, k in enumerate(kinds)}
    unknown_kind = len(kinds)  # a kind without a weight earns nothing
    points = np.array([prof.weights[k][0] for k in kinds] + [0], dtype=np.int64)
    caps = np.array([prof.weights[k][1] for k in kinds] + [0], dtype=np.int64)
    ages: dict[object, int] = {}
    contact_rows: list[int] = []
    kind_rows: list[int] = []
    age_rows: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            only: list = [] if chunk is None else list(chunk)
            window = [at(since), at(now)]
            if chunk is not None and vendor == "postgresql":
                params = [Stage.RECYCLED, *window, only, only, *window]
            else:
                params = [Stage.RECYCLED, *window, *only, *window, *only]
            cursor.execute(_touches_sql(vendor, None if chunk is None else len(chunk)), params)
            rows = cursor.fetchall()
            for day in {r[2] for r in rows} - ages.keys():
                as_date = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
                ages[day] = (today - as_date).days
            contact_rows.extend(r[0] for r in rows)
            kind_rows.extend(kind_code.get(r[1], unknown_kind) for r in rows)
            age_rows.extend(ages[r[2]] for r in rows)
    engagement = np.zeros(contact_ids.size, dtype=np.int64)
    if not contact_rows:
        return engagement
    where = np.searchsorted(contact_ids, np.array(contact_rows, dtype=np.int64))
    known = where < contact_ids.size
    known[known] &= contact_ids[where[known]] == np.array(contact_rows, dtype=np.int64)[known]
    where = where[known]
    kind = np.array(kind_rows, dtype=np.int64)[known]
    age = np.array(age_rows, dtype=np.int64)[known]
    # One key per contact × kind × day; the counts of equal keys are the touches of that day.
    span = int(age.max(initial=0)) + 1
    key = (where * (len(kinds) + 1) + kind) * span + age
    unique, count = np.unique(key, return_counts=True)
    group_age = unique % span
    group_kind = (unique // span) % (len(kinds) + 1)
    group_contact = unique // span // (len(kinds) + 1)
    factor = np.array(
        [scoring.decay_factor(int(a), prof.half_life_days) for a in range(span)], dtype=np.float64
    )
    earned = np.minimum(caps[group_kind], points[group_kind] * count) * factor[group_age]
    total = np.bincount(group_contact, weights=earned, minlength=contact_ids.size)
    return np.floor(total + 0.5).astype(np.int64)


# --- Compute and write ---------------------------------------------------------------------


def _grades(fit: np.ndarray, engagement: np.ndarray, prof: scoring.Profile) -> np.ndarray:
    fa, fb, fc = prof.fit_cuts
    e1, e2, e3 = prof.engagement_cuts
    letter = np.select([fit >= fa, fit >= fb, fit >= fc], ["A", "B", "C"], default="D")
    band = np.select(
        [engagement >= e1, engagement >= e2, engagement >= e3], ["1", "2", "3"], default="4"
    )
    return np.char.add(letter, band).astype(object)


def _contacts_write(
    ids: np.ndarray,
    fit: np.ndarray,
    engagement: np.ndarray,
    total: np.ndarray,
    grade: np.ndarray,
) -> None:
    rows = list(
        zip(
            fit.tolist(),
            engagement.tolist(),
            total.tolist(),
            grade.tolist(),
            ids.tolist(),
            strict=True,
        )
    )
    if not rows:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_CHUNK):
            chunk = rows[start : start + WRITE_CHUNK]
            if connection.vendor == "postgresql":
                # Five array parameters, not five placeholders a row: psycopg binds
                # client-side, splitting a statement by its placeholders in Python (a minute
                # for the hundred thousand contacts of an import).
                fits, engagements, scores, grades, pks = (list(c) for c in zip(*chunk, strict=True))
                cursor.execute(
                    "UPDATE people_contact AS c SET fit_score = v.f, engagement_score = v.e, "
                    "score = v.s, grade = v.g FROM unnest(%s::bigint[], %s::int[], %s::int[], "
                    "%s::int[], %s::text[]) AS v (id, f, e, s, g) WHERE c.id = v.id",
                    [pks, fits, engagements, scores, grades],
                )
            else:
                cursor.executemany(
                    "UPDATE people_contact SET fit_score = %s, engagement_score = %s, "
                    "score = %s, grade = %s WHERE id = %s",
                    chunk,
                )
