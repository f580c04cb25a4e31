"""Use cases on segments: define, rebuild (set-based), keep fresh per contact, static lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.people.models import Contact
from tandem.segments.conditions import (
    EvalContext,
    RuleError,
    as_flag,
    parse_rule,
    rule_normalise,
)
from tandem.segments.models import Segment, SegmentMember, SegmentSize

REFRESH_CHUNK = 500


@dataclass(frozen=True)
class RebuildResult:
    added: int
    removed: int
    size: int


@dataclass
class ImportResult:
    """What a CSV import stored, and each bad line with why."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


# --- define ----------------------------------------------------------------------------------


def _clean_name(name: Any, segment: Segment | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput.field("name", "a segment needs a name")
    name = name.strip()
    if len(name) > 200:
        raise InvalidInput.field("name", "must be at most 200 characters")
    taken = Segment.objects.filter(name__iexact=name)
    if segment is not None:
        taken = taken.exclude(pk=segment.pk)
    if taken.exists():
        raise InvalidInput.field("name", f"a segment called “{name}” already exists")
    return name


def _dependencies(segment_id: int | None, rule: dict) -> None:
    """Refuse a rule that, through other segments, names the segment itself."""
    if segment_id is None:
        return
    rules = {
        pk: r
        for pk, r in Segment.objects.filter(kind=Segment.Kind.DYNAMIC).values_list("pk", "rule")
    }
    rules[segment_id] = rule

    def refs(pk: int) -> set[int]:
        raw = rules.get(pk)
        if not raw:
            return set()
        try:
            return parse_rule(raw).segment_refs()
        except InvalidInput:
            return set()

    seen: set[int] = set()
    todo = list(refs(segment_id))
    while todo:
        pk = todo.pop()
        if pk == segment_id:
            raise InvalidInput.field(
                "rule", "this rule names a segment that (in turn) names this segment"
            )
        if pk not in seen:
            seen.add(pk)
            todo.extend(refs(pk))


def _clean_rule(kind: str, rule: Any, segment_id: int | None) -> dict:
    if kind == Segment.Kind.STATIC:
        return {}
    normal = rule_normalise(rule)
    _dependencies(segment_id, normal)
    return normal


def segment_create(
    *,
    actor: Any,
    name: Any,
    kind: str = Segment.Kind.DYNAMIC,
    rule: Any = None,
    description: str = "",
    is_exclusion: bool = False,
    via: str = "ui",
) -> Segment:
    """A new segment; a dynamic one is built straight after commit."""
    policies.require(actor, "create", "segment")
    if kind not in Segment.Kind.values:
        raise InvalidInput.field("kind", f"use one of {', '.join(Segment.Kind.values)}")
    values = {"name": _clean_name(name), "rule": _clean_rule(kind, rule, None)}
    with transaction.atomic():
        segment = Segment.objects.create(
            kind=kind,
            description=(description or "").strip(),
            is_exclusion=bool(is_exclusion),
            owner=actor if getattr(actor, "is_authenticated", False) else None,
            is_time_relative=bool(values["rule"]) and parse_rule(values["rule"]).is_time_relative(),
            **values,
        )
        audit.record_created(actor=actor, obj=segment, via=via)
        if kind == Segment.Kind.DYNAMIC:
            _rebuild_enqueue(segment)
    return segment


def segment_update(*, actor: Any, segment: Segment, via: str = "ui", **fields: Any) -> Segment:
    """Change the name, description, exclusion flag or rule; a changed rule is rebuilt."""
    policies.require(actor, "change", "segment", segment)
    unknown = set(fields) - {"name", "description", "is_exclusion", "rule"}
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "cannot be changed")
    before = audit.snapshot(segment)
    if fields.get("name") is not None:
        segment.name = _clean_name(fields["name"], segment)
    if fields.get("description") is not None:
        segment.description = str(fields["description"]).strip()
    if fields.get("is_exclusion") is not None:
        segment.is_exclusion = bool(fields["is_exclusion"])
    rule_changed = False
    if fields.get("rule") is not None:
        if segment.kind == Segment.Kind.STATIC:
            raise InvalidInput.field("rule", "a static list has no rule")
        rule = _clean_rule(segment.kind, fields["rule"], segment.pk)
        rule_changed = rule != segment.rule
        segment.rule = rule
        segment.is_time_relative = parse_rule(rule).is_time_relative()
    with transaction.atomic():
        segment.save()
        audit.record_updated(actor=actor, obj=segment, before=before, via=via)
        if rule_changed:
            _rebuild_enqueue(segment)
    return segment


def segment_delete(*, actor: Any, segment: Segment, via: str = "ui") -> None:
    """Delete a segment, unless another segment's rule names it."""
    policies.require(actor, "delete", "segment", segment)
    users = [s.name for s in dynamic_segments() if segment.pk in _refs_of(s)]
    if users:
        raise InvalidInput.field("segment", f"used by the rule of {', '.join(sorted(users))}")
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=segment, via=via)
        segment.delete()


def _refs_of(segment: Segment) -> set[int]:
    try:
        return parse_rule(segment.rule).segment_refs()
    except InvalidInput:
        return set()


def dynamic_segments() -> list[Segment]:
    return list(Segment.objects.filter(kind=Segment.Kind.DYNAMIC).order_by("pk"))


def segment_count_draft(*, actor: Any, rule: Any, segment: Segment | None = None) -> int:
    """How many contacts a draft rule matches now (the live count while editing)."""
    if not (policies.can(actor, "create", "segment") or policies.can(actor, "change", "segment")):
        policies.require(actor, "change", "segment", segment)
    normal = rule_normalise(rule)
    _dependencies(segment.pk if segment else None, normal)
    return Contact.objects.filter(parse_rule(normal).q(EvalContext())).count()


# --- full rebuild ----------------------------------------------------------------------------


def _rebuild_enqueue(segment: Segment) -> None:
    from tandem.segments.tasks import segment_rebuild_task

    Segment.objects.filter(pk=segment.pk).update(
        rebuild_status=Segment.RebuildStatus.QUEUED, rebuild_progress=0
    )
    segment.rebuild_status = Segment.RebuildStatus.QUEUED
    transaction.on_commit(lambda: segment_rebuild_task.enqueue(segment.pk))


def segment_rebuild_request(*, actor: Any, segment: Segment) -> Segment:
    """Queue a full rebuild (a background task); the page shows its progress."""
    policies.require(actor, "change", "segment", segment)
    if segment.kind == Segment.Kind.STATIC:
        raise InvalidInput.field("segment", "a static list is not rebuilt; add or remove members")
    with transaction.atomic():
        _rebuild_enqueue(segment)
    return segment


def segment_rebuild(*, segment: Segment, now: dt.datetime | None = None) -> RebuildResult:
    """Rebuild a dynamic segment's membership from its rule, set-based: one DELETE of those who
    no longer match and one INSERT…SELECT of those who newly match. A rule that cannot be
    evaluated marks the segment failed and leaves its members as they were."""
    now = now or timezone.now()
    if segment.kind != Segment.Kind.DYNAMIC:
        raise InvalidInput.field("segment", "a static list is not rebuilt")
    Segment.objects.filter(pk=segment.pk).update(
        rebuild_status=Segment.RebuildStatus.RUNNING, rebuild_progress=10
    )
    try:
        q = parse_rule(segment.rule).q(EvalContext(now=now))
    except InvalidInput as exc:
        message = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        Segment.objects.filter(pk=segment.pk).update(
            rebuild_status=Segment.RebuildStatus.FAILED, rebuild_progress=0, last_error=message
        )
        segment.rebuild_status, segment.last_error = Segment.RebuildStatus.FAILED, message
        raise
    matching = Contact.objects.filter(q).order_by().values("pk")
    sql, params = matching.query.sql_with_params()
    members = SegmentMember._meta.db_table
    # The rule runs once, into a temporary table; the difference is then two cheap statements.
    scratch = f"segment_matching_{segment.pk}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch} (id bigint PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {scratch} (id) {sql}", params)
        cursor.execute(
            f"DELETE FROM {members} WHERE segment_id = %s AND contact_id NOT IN "  # noqa: S608
            f"(SELECT m.id FROM {scratch} m)",
            [segment.pk],
        )
        removed = cursor.rowcount
        Segment.objects.filter(pk=segment.pk).update(rebuild_progress=50)
        cursor.execute(
            f"INSERT INTO {members} (segment_id, added_at, contact_id) "  # noqa: S608
            f"SELECT %s, %s, m.id FROM {scratch} m WHERE NOT EXISTS (SELECT 1 FROM {members} x "
            "WHERE x.segment_id = %s AND x.contact_id = m.id)",
            [segment.pk, connection.ops.adapt_datetimefield_value(now), segment.pk],
        )
        added = cursor.rowcount
        cursor.execute(f"DROP TABLE {scratch}")
        size = SegmentMember.objects.filter(segment_id=segment.pk).count()
        Segment.objects.filter(pk=segment.pk).update(
            member_count=size,
            rebuilt_at=now,
            rebuild_status=Segment.RebuildStatus.IDLE,
            rebuild_progress=100,
            last_error="",
        )
        SegmentSize.objects.create(segment_id=segment.pk, measured_at=now, member_count=size)
    segment.member_count, segment.rebuilt_at, segment.last_error = size, now, ""
    segment.rebuild_status = Segment.RebuildStatus.IDLE
    return RebuildResult(added=added, removed=removed, size=size)


def segments_rebuild_all(
    *, now: dt.datetime | None = None, only_time_relative: bool = False
) -> dict[str, RebuildResult | str]:
    """Rebuild every dynamic segment (or those with time windows); a failing rule is reported
    by name and the others still run."""
    results: dict[str, RebuildResult | str] = {}
    segments = dynamic_segments()
    if only_time_relative:
        segments = [s for s in segments if s.is_time_relative]
    for segment in segments:
        try:
            results[segment.name] = segment_rebuild(segment=segment, now=now)
        except InvalidInput as exc:
            results[segment.name] = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
    return results


def segment_sizes_sample(*, now: dt.datetime | None = None) -> int:
    """Record each segment's size once a day (those rebuilt today already have one)."""
    now = now or timezone.now()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    measured = set(
        SegmentSize.objects.filter(measured_at__gte=day_start).values_list("segment_id", flat=True)
    )
    rows = [
        SegmentSize(segment_id=pk, measured_at=now, member_count=count)
        for pk, count in Segment.objects.values_list("pk", "member_count")
        if pk not in measured
    ]
    SegmentSize.objects.bulk_create(rows)
    return len(rows)


def segments_refresh(*, now: dt.datetime | None = None) -> dict[str, RebuildResult | str]:
    """The periodic sweep: rebuild segments whose time windows moved, then sample sizes."""
    now = now or timezone.now()
    results = segments_rebuild_all(now=now, only_time_relative=True)
    segment_sizes_sample(now=now)
    return results


# --- incremental -----------------------------------------------------------------------------


def segments_refresh_for_contact(contact_id: int, *, now: dt.datetime | None = None) -> None:
    """Re-evaluate every dynamic segment for one contact (one query for all of them) and add or
    remove its memberships."""
    segments_refresh_for_contacts([contact_id], now=now)


def segments_refresh_for_contacts(
    contact_ids: Iterable[int], *, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Re-evaluate every dynamic segment for these contacts; (memberships added, removed).

    For the batch touch ingest and other bulk changes: one query per chunk of 500 contacts
    evaluates all segments at once. A segment whose rule cannot be evaluated is skipped (its
    rebuild reports the error)."""
    ids = sorted({int(i) for i in contact_ids})
    if not ids:
        return (0, 0)
    now = now or timezone.now()
    segments = dynamic_segments()
    if not segments:
        return (0, 0)
    added = removed = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        a, r = _refresh_chunk(segments, ids[start : start + REFRESH_CHUNK], now)
        added, removed = added + a, removed + r
    return (added, removed)


# Compiling fifty rules through the ORM costs far more than running them, so the flags query
# is compiled once with stand-in values (contact ids below any real one, a clock in 1901) and
# kept for a minute; each refresh swaps in the real ids and shifts the times to now.
_STAND_IN_ID = -7_777_777
_STAND_IN_NOW = dt.datetime(1901, 1, 1, 0, 0, 0, 123457, tzinfo=dt.UTC)
_COMPILED_FOR_SECONDS = 60.0
_compiled: dict[tuple, tuple[float, str, tuple, list[int]]] = {}


def _flags_sql(segments: list[Segment], count: int) -> tuple[str, tuple, list[int]]:
    """SQL answering, for ``count`` contacts, a yes/no column per segment that can be evaluated."""
    key = (tuple((s.pk, json.dumps(s.rule, sort_keys=True)) for s in segments), count)
    hit = _compiled.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1], hit[2], hit[3]
    stand_ins = [_STAND_IN_ID + n for n in range(count)]
    ctx = EvalContext(now=_STAND_IN_NOW, contact_ids=stand_ins)
    flags, evaluated = {}, []
    for segment in segments:
        try:
            flags[f"s{segment.pk}"] = as_flag(parse_rule(segment.rule).q(ctx))
        except InvalidInput:
            continue  # its rebuild reports the error
        evaluated.append(segment.pk)
    if not flags:
        sql, params = "", ()
    else:
        query = Contact.objects.filter(pk__in=stand_ins).order_by().values("pk").annotate(**flags)
        sql, params = query.query.sql_with_params()
    if len(_compiled) > 64:
        _compiled.clear()
    _compiled[key] = (time.monotonic() + _COMPILED_FOR_SECONDS, sql, tuple(params), evaluated)
    return sql, tuple(params), evaluated


def _real_param(param: Any, ids: list[int], now: dt.datetime) -> Any:
    if isinstance(param, int) and not isinstance(param, bool):
        if _STAND_IN_ID <= param < _STAND_IN_ID + len(ids):
            return ids[param - _STAND_IN_ID]
        return param
    if isinstance(param, dt.datetime) and param.year <= 1901 and param.microsecond == 123457:
        return now - (_STAND_IN_NOW - param)
    if isinstance(param, str) and len(param) == 26 and param.endswith(".123457"):
        try:
            moment = dt.datetime.fromisoformat(param).replace(tzinfo=dt.UTC)
        except ValueError:
            return param
        if moment.year <= 1901:
            return connection.ops.adapt_datetimefield_value(now - (_STAND_IN_NOW - moment))
    return param


def _refresh_chunk(segments: list[Segment], ids: list[int], now: dt.datetime) -> tuple[int, int]:
    sql, params, evaluated = _flags_sql(segments, len(ids))
    if not evaluated:
        return (0, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, [_real_param(p, ids, now) for p in params])
        rows = cursor.fetchall()
    should = {
        (segment_id, row[0])
        for row in rows
        for segment_id, flag in zip(evaluated, row[1:], strict=True)
        if flag
    }
    present = set(
        SegmentMember.objects.filter(contact_id__in=ids, segment_id__in=evaluated).values_list(
            "segment_id", "contact_id"
        )
    )
    to_add = should - present
    to_remove = present - should
    if not (to_add or to_remove):
        return (0, 0)
    deltas: dict[int, int] = {}
    with transaction.atomic():
        if to_add:
            SegmentMember.objects.bulk_create(
                [SegmentMember(segment_id=s, contact_id=c, added_at=now) for s, c in to_add],
                ignore_conflicts=True,
            )
            for s, _ in to_add:
                deltas[s] = deltas.get(s, 0) + 1
        if to_remove:
            by_segment: dict[int, list[int]] = {}
            for s, c in to_remove:
                by_segment.setdefault(s, []).append(c)
                deltas[s] = deltas.get(s, 0) - 1
            for s, cs in by_segment.items():
                gone = SegmentMember.objects.filter(segment_id=s, contact_id__in=cs)
                gone._raw_delete(gone.db)
        for s, delta in deltas.items():
            Segment.objects.filter(pk=s).update(member_count=F("member_count") + delta)
    return (len(to_add), len(to_remove))


def segments_forget_contact(contact_id: int) -> None:
    """Before a contact is deleted: their memberships go, and each segment's count with them."""
    segment_ids = list(
        SegmentMember.objects.filter(contact_id=contact_id).values_list("segment_id", flat=True)
    )
    if segment_ids:
        Segment.objects.filter(pk__in=segment_ids, member_count__gt=0).update(
            member_count=F("member_count") - 1
        )


# --- static lists ----------------------------------------------------------------------------


def _static(segment: Segment) -> None:
    if segment.kind != Segment.Kind.STATIC:
        raise InvalidInput.field("segment", "members are added by hand only to a static list")


def _members_add(segment: Segment, contact_ids: list[int], now: dt.datetime) -> int:
    already = set(
        SegmentMember.objects.filter(segment=segment, contact_id__in=contact_ids).values_list(
            "contact_id", flat=True
        )
    )
    new = [c for c in dict.fromkeys(contact_ids) if c not in already]
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, contact_id=c, added_at=now) for c in new],
        ignore_conflicts=True,
    )
    if new:
        Segment.objects.filter(pk=segment.pk).update(member_count=F("member_count") + len(new))
        _dependents_refresh_on_commit(segment, new)
    return len(new)


def _dependents_refresh_on_commit(segment: Segment, contact_ids: list[int]) -> None:
    """Dynamic segments that name this static list see its change for these contacts."""
    if any(segment.pk in _refs_of(s) for s in dynamic_segments()):
        ids = list(contact_ids)
        transaction.on_commit(lambda: segments_refresh_for_contacts(ids), robust=True)


def segment_members_add(
    *, actor: Any, segment: Segment, contacts: Iterable[Contact], via: str = "ui"
) -> int:
    """Add contacts to a static list by hand; how many were new."""
    policies.require(actor, "change", "segment", segment)
    _static(segment)
    with transaction.atomic():
        return _members_add(segment, [c.pk for c in contacts], timezone.now())


def segment_members_remove(
    *, actor: Any, segment: Segment, contact_ids: Iterable[int], via: str = "ui"
) -> int:
    """Take contacts off a static list; how many were on it."""
    policies.require(actor, "change", "segment", segment)
    _static(segment)
    ids = list(contact_ids)
    with transaction.atomic():
        gone = SegmentMember.objects.filter(segment=segment, contact_id__in=ids)
        count = gone._raw_delete(gone.db)
        if count:
            Segment.objects.filter(pk=segment.pk).update(member_count=F("member_count") - count)
            _dependents_refresh_on_commit(segment, ids)
    return count


MAX_IMPORT_LINES = 100_000


def segment_members_import(
    *, actor: Any, segment: Segment, csv_text: str, via: str = "ui"
) -> ImportResult:
    """Add the contacts of a CSV file (a column named ``email``) to a static list.

    Good rows are stored; each bad row is reported with its line number and why."""
    from tandem.people.services import email_normalise

    policies.require(actor, "change", "segment", segment)
    _static(segment)
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    columns = {(name or "").strip().lower(): name for name in (reader.fieldnames or [])}
    if "email" not in columns:
        raise InvalidInput.field(
            "file", "the first line must name the columns, one of them “email”"
        )
    result = ImportResult()
    wanted: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if line > MAX_IMPORT_LINES + 1:
            result.errors.append((line, f"only the first {MAX_IMPORT_LINES} rows are read"))
            break
        raw = (row.get(columns["email"]) or "").strip()
        try:
            address = email_normalise(raw)
        except InvalidInput as exc:
            result.errors.append((line, exc.errors["email"]))
            continue
        wanted.setdefault(address, line)
    found: dict[str, int] = {}
    addresses = list(wanted)
    for start in range(0, len(addresses), 900):
        found.update(
            Contact.objects.filter(email__in=addresses[start : start + 900]).values_list(
                "email", "pk"
            )
        )
    for address, line in wanted.items():
        if address not in found:
            result.errors.append((line, f"no contact has the address {address}"))
    result.errors.sort()
    with transaction.atomic():
        ids = [found[a] for a in wanted if a in found]
        result.added = _members_add(segment, ids, timezone.now())
        result.already = len(ids) - result.added
        audit.record_updated(
            actor=actor, obj=segment, before=audit.snapshot(segment), via=f"{via} import"
        )
    return result


__all__ = ["RuleError"]
