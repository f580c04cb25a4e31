"""Set-based rescoring: every contact, or a batch of them, in a few reads and bulk writes.

The same arithmetic as ``scoring.score_contact`` (which explains one contact's score on the
lead page), done for many contacts at once:

1. **Read** the fit inputs through the registered rule types' query expressions (one grouped
   ``SELECT`` per chunk of contacts, the account rules once per account) and the decayed,
   daily-capped engagement per contact (one grouped ``SELECT`` over the window's touches:
   counts per contact × kind × day, capped, weighted by a table of decay factors).
2. **Compute** score and grade for every contact in numpy.
3. **Write back** only the rows whose values changed, in chunks: ``executemany`` of an
   ``UPDATE … WHERE id`` on SQLite, ``UPDATE … FROM (VALUES …)`` on PostgreSQL, all in the
   caller's transaction.

It returns which contacts changed and which now stand at the MQL threshold in a stage that can
still qualify, so the caller (``services``) hands off only those, through the lifecycle
services that record every move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import IntegerField, Value
from django.utils import timezone

from tandem.handoff import scoring
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


def rescore(
    *, contact_ids: Sequence[int] | None = None, now: dt.datetime | None = None
) -> Rescored:
    """Recompute fit, engagement, score and grade of these contacts (every contact when
    ``contact_ids`` is None) and write the ones that changed. Runs in one transaction."""
    prof = scoring.profile()
    now = now or timezone.now()
    ids = None if contact_ids is None else sorted({int(i) for i in contact_ids})
    result = Rescored()
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


def _contacts_read(ids: list[int] | None, prof: scoring.Profile) -> _Contacts:
    vendor = connection.vendor
    rules = [r for r in prof.rules if not r.is_account_rule and r.kind in scoring.RULE_TYPES]
    expression = scoring._sum_of_cases(rules, vendor) if rules else Value(0)
    columns = (
        "id", "account_id", "rule_fit", "fit_score", "engagement_score", "score", "grade",
        "lifecycle_stage",
    )  # fmt: skip
    rows: list[tuple] = []
    for chunk in _chunks(ids):
        queryset = Contact.objects.all() if chunk is None else Contact.objects.filter(pk__in=chunk)
        queryset = (
            queryset.annotate(rule_fit=expression)
            .order_by("id")
            .values_list(*columns)
        )
        # The compiled query runs on a plain cursor: a million rows through the ORM's row
        # machinery costs seconds that the numbers do not need.
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(20_000):
                rows.extend(batch)
    count = len(rows)
    unzipped = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    as_int = lambda values: np.fromiter(  # noqa: E731
        (v or 0 for v in values), dtype=np.int64, count=count
    )
    return _Contacts(
        ids=as_int(unzipped[0]),
        account_ids=as_int(unzipped[1]),
        rule_fit=as_int(unzipped[2]),
        fit=as_int(unzipped[3]),
        engagement=as_int(unzipped[4]),
        score=as_int(unzipped[5]),
        grade=np.array(unzipped[6], dtype=object),
        stage=np.array(unzipped[7], dtype=object),
    )


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
    rules = [r for r in prof.rules if r.is_account_rule and r.kind in scoring.RULE_TYPES]
    expression = (
        scoring._sum_of_cases(rules, vendor) if rules else Value(0, output_field=IntegerField())
    )
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


def _engagement_sql(prof: scoring.Profile, vendor: str, id_count: int | None) -> tuple[str, list]:
    weights = sorted(prof.weights.items())
    ages = range(prof.window_days + 2)
    if vendor == "postgresql":
        age = "(%s::date - (t.occurred_at AT TIME ZONE 'UTC')::date)"
        least = "LEAST"
    else:
        age = "CAST(julianday(%s) - julianday(date(t.occurred_at)) AS INTEGER)"
        least = "MIN"
    weight_rows = ", ".join(f"(%s, {int(p)}, {int(c)})" for _, (p, c) in weights)
    decay_rows = ", ".join(
        f"({a}, {scoring.decay_factor(a, prof.half_life_days)!r})" for a in ages
    )
    marks = ", ".join(["%s"] * id_count) if id_count else ""
    only_moves = f"AND contact_id IN ({marks})" if id_count else ""
    only_touches = f"AND t.contact_id IN ({marks})" if id_count else ""
    # Only numbers computed here are formatted in; kinds, ids and times go as parameters.
    sql = f"""
        WITH weights (kind, points, cap) AS (VALUES {weight_rows}),
             decay (age, factor) AS (VALUES {decay_rows}),
             recycled AS (
                SELECT contact_id, MAX(moved_at) AS since FROM people_lifecyclemove
                WHERE to_stage = %s AND moved_at > %s AND moved_at <= %s {only_moves}
                GROUP BY contact_id
             ),
             per_day AS (
                SELECT t.contact_id, t.kind, {age} AS age, COUNT(*) AS n
                FROM people_touch t LEFT JOIN recycled r ON r.contact_id = t.contact_id
                WHERE t.occurred_at >= %s AND t.occurred_at <= %s {only_touches}
                  AND (r.since IS NULL OR t.occurred_at >= r.since)
                GROUP BY t.contact_id, t.kind, {age}
             )
        SELECT d.contact_id, FLOOR(SUM({least}(w.cap, w.points * d.n) * f.factor) + 0.5)
        FROM per_day d JOIN weights w ON w.kind = d.kind JOIN decay f ON f.age = d.age
        GROUP BY d.contact_id
    """  # noqa: S608
    return sql, [k for k, _ in weights]


def _engagement_read(
    ids: list[int] | None, contact_ids: np.ndarray, prof: scoring.Profile, now: dt.datetime
) -> np.ndarray:
    """Decayed, daily-capped engagement of each contact in ``contact_ids`` (sorted)."""
    vendor = connection.vendor
    at = connection.ops.adapt_datetimefield_value
    since = now - dt.timedelta(days=prof.window_days)
    today = now.astimezone(dt.UTC).date().isoformat()
    points = np.zeros(contact_ids.size, dtype=np.int64)
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            sql, kinds = _engagement_sql(prof, vendor, None if chunk is None else len(chunk))
            only = [] if chunk is None else list(chunk)
            cursor.execute(
                sql,
                [
                    *kinds,
                    Stage.RECYCLED,
                    at(since),
                    at(now),
                    *only,
                    today,
                    at(since),
                    at(now),
                    *only,
                    today,
                ],
            )
            rows = cursor.fetchall()
            if not rows:
                continue
            found = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            earned = np.fromiter((int(r[1]) for r in rows), dtype=np.int64, count=len(rows))
            where = np.searchsorted(contact_ids, found)
            known = (where < contact_ids.size) & (
                contact_ids[np.minimum(where, contact_ids.size - 1)] == found
            )
            points[where[known]] = earned[known]
    return points


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
                values = ", ".join(["(%s::bigint, %s::int, %s::int, %s::int, %s::text)"] * len(chunk))
                # Only placeholders are formatted in.
                cursor.execute(
                    "UPDATE people_contact AS c SET fit_score = v.f, engagement_score = v.e, "  # noqa: S608
                    f"score = v.s, grade = v.g FROM (VALUES {values}) AS v (id, f, e, s, g) "
                    "WHERE c.id = v.id",
                    [x for f, e, s, g, pk in chunk for x in (pk, f, e, s, g)],
                )
            else:
                cursor.executemany(
                    "UPDATE people_contact SET fit_score = %s, engagement_score = %s, "
                    "score = %s, grade = %s WHERE id = %s",
                    chunk,
                )
