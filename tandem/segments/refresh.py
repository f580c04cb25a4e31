"""The incremental refresh's flags query: every dynamic segment's rule for a few contacts.

Compiled once per set of rules (and per set of changed inputs) and kept while the rules stay
the same; each refresh swaps in its contacts and its clock, reads the present memberships with
the flags and writes only what moved (``services.segments_refresh_for_contacts`` drives it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, When

from tandem.errors import InvalidInput
from tandem.people.models import Contact
from tandem.segments.conditions import ContactSet, EvalContext, as_flag, parse_rule
from tandem.segments.models import Segment, SegmentMember


@dataclass(frozen=True)
class RefreshPlan:
    """The flags query for a set of segments, compiled with stand-in contacts and clock."""

    sql: str
    params: tuple
    segment_ids: tuple[int, ...]  # one flag column each, in this order


@dataclass(frozen=True)
class _Compiled:
    """Each dynamic segment's rule, parsed, with the inputs it reads (None: cannot be evaluated)."""

    rules: dict[int, Any]
    inputs: dict[int, frozenset[str]]
    plans: dict[frozenset[str] | None, RefreshPlan | None] = field(default_factory=dict)


# Compiling fifty rules through the ORM costs far more than running them, so the flags query is
# compiled once per set of rules with stand-in values (a contact set holding an id below any
# real one, a clock in 1901) and kept while the rules stay the same; each refresh swaps in the
# real contacts and shifts the times to now.
_STAND_IN_ID = -7_777_777
_STAND_IN_NOW = dt.datetime(1901, 1, 1, 0, 0, 0, 123457, tzinfo=dt.UTC)
_compiled: dict[tuple, _Compiled] = {}


def _dynamic_rules() -> tuple[tuple[int, str], ...]:
    """(pk, rule as stored text) of every dynamic segment: one query, no JSON decoding."""
    rule = "rule::text" if connection.vendor == "postgresql" else "rule"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {rule} FROM {Segment._meta.db_table} "  # noqa: S608
            "WHERE kind = %s ORDER BY id",
            [Segment.Kind.DYNAMIC.value],
        )
        return tuple((int(pk), str(text)) for pk, text in cursor.fetchall())


def _compile(rows: tuple[tuple[int, str], ...]) -> _Compiled:
    rules: dict[int, Any] = {}
    inputs: dict[int, frozenset[str]] = {}
    for pk, text in rows:
        try:
            group = parse_rule(json.loads(text))
        except (InvalidInput, ValueError):
            continue  # its rebuild reports the error
        rules[pk] = group
        inputs[pk] = group.inputs((pk,))
    return _Compiled(rules=rules, inputs=inputs)


def refresh_plan(changed: frozenset[str] | None) -> RefreshPlan | None:
    """The flags query for the dynamic segments that ``changed`` can move (None: all of them),
    or None when there is none to evaluate. One query lists the rules; compiling is cached."""
    rows = _dynamic_rules()
    if not rows:
        return None
    compiled = _compiled.get(rows)
    if compiled is None:
        if len(_compiled) > 16:
            _compiled.clear()
        compiled = _compiled[rows] = _compile(rows)
    if changed not in compiled.plans:
        compiled.plans[changed] = _plan_build(compiled, changed)
    return compiled.plans[changed]


def _plan_build(compiled: _Compiled, changed: frozenset[str] | None) -> RefreshPlan | None:
    """SQL answering, for a set of contacts, a yes/no column per segment that can be evaluated
    (and may be moved by ``changed``), then the segments each contact is in now."""
    ctx = EvalContext(now=_STAND_IN_NOW, contact_ids=[_STAND_IN_ID])
    flags, evaluated = {}, []
    for pk, group in compiled.rules.items():
        if changed is not None and not (compiled.inputs[pk] & changed):
            continue
        try:
            flags[f"s{pk}"] = as_flag(group.q(ctx))
        except InvalidInput:
            continue  # its rebuild reports the error
        evaluated.append(pk)
    if not flags:
        return None
    query = (
        Contact.objects.filter(pk__in=ContactSet([_STAND_IN_ID]))
        .order_by()
        .values(refreshed_id=F("pk"))
        .annotate(**flags)
    )
    sql, params = query.query.sql_with_params()
    members = SegmentMember._meta.db_table
    listed = (
        "string_agg(m.segment_id::text, ',')"
        if connection.vendor == "postgresql"
        else "group_concat(m.segment_id)"
    )
    sql = (
        f"SELECT f.*, (SELECT {listed} FROM {members} m "  # noqa: S608
        f"WHERE m.contact_id = f.refreshed_id) FROM ({sql}) f"
    )
    return RefreshPlan(sql=sql, params=tuple(params), segment_ids=tuple(evaluated))


def _real_param(param: Any, ids: list[int], now: dt.datetime) -> Any:
    if isinstance(param, list) and param == [_STAND_IN_ID]:
        return ids
    if isinstance(param, str):
        if param == f"[{_STAND_IN_ID}]":
            return json.dumps(ids)
        if len(param) == 26 and param.endswith(".123457"):
            try:
                moment = dt.datetime.fromisoformat(param).replace(tzinfo=dt.UTC)
            except ValueError:
                return param
            if moment.year <= 1901:
                return connection.ops.adapt_datetimefield_value(now - (_STAND_IN_NOW - moment))
        return param
    if isinstance(param, dt.datetime) and param.year <= 1901 and param.microsecond == 123457:
        return now - (_STAND_IN_NOW - param)
    return param


def refresh_chunk(plan: RefreshPlan, ids: list[int], now: dt.datetime) -> tuple[int, int]:
    """Evaluate ``plan`` for these contacts and write what moved; (memberships added, removed)."""
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [_real_param(p, ids, now) for p in plan.params])
        rows = cursor.fetchall()
    evaluated = set(plan.segment_ids)
    should: set[tuple[int, int]] = set()
    present: set[tuple[int, int]] = set()
    for row in rows:
        contact_id, flags, listed = row[0], row[1:-1], row[-1]
        should.update(
            (segment_id, contact_id)
            for segment_id, flag in zip(plan.segment_ids, flags, strict=True)
            if flag
        )
        if listed:
            present.update(
                (int(s), contact_id) for s in str(listed).split(",") if int(s) in evaluated
            )
    to_add = should - present
    to_remove = present - should
    if not (to_add or to_remove):
        return (0, 0)
    _memberships_write(to_add, to_remove, now)
    return (len(to_add), len(to_remove))


# Pairs per DELETE statement: far below SQLite's and PostgreSQL's limits on parameters.
_PAIRS_PER_STATEMENT = 5_000


def _memberships_write(
    to_add: set[tuple[int, int]], to_remove: set[tuple[int, int]], now: dt.datetime
) -> None:
    """One INSERT of the new memberships, one DELETE of the lost ones (per segment, OR-ed into
    one statement) and one UPDATE of the counts."""
    deltas: dict[int, int] = {}
    for s, _ in to_add:
        deltas[s] = deltas.get(s, 0) + 1
    for s, _ in to_remove:
        deltas[s] = deltas.get(s, 0) - 1
    with transaction.atomic():
        if to_add:
            SegmentMember.objects.bulk_create(
                [SegmentMember(segment_id=s, contact_id=c, added_at=now) for s, c in to_add],
                ignore_conflicts=True,
            )
        pairs = sorted(to_remove)
        for start in range(0, len(pairs), _PAIRS_PER_STATEMENT):
            by_segment: dict[int, list[int]] = {}
            for s, c in pairs[start : start + _PAIRS_PER_STATEMENT]:
                by_segment.setdefault(s, []).append(c)
            gone_q = Q()
            for s, cs in by_segment.items():
                gone_q |= Q(segment_id=s, contact_id__in=cs)
            gone = SegmentMember.objects.filter(gone_q)
            gone._raw_delete(gone.db)
        moved = {s: d for s, d in deltas.items() if d}
        if moved:
            Segment.objects.filter(pk__in=moved).update(
                member_count=Case(
                    *[When(pk=s, then=F("member_count") + d) for s, d in moved.items()],
                    default=F("member_count"),
                    output_field=IntegerField(),
                )
            )
