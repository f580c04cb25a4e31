"""Full rebuilds of dynamic segments from their rules, and the periodic sweep.

A rebuild evaluates a rule over every contact, set-based: one ``DELETE`` of members who no
longer match and one ``INSERT … SELECT`` of those who newly match. The incremental refresh of a
few contacts is in ``services``; the background tasks that run rebuilds in ``tasks``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.people.models import Contact
from tandem.segments.conditions import EvalContext, parse_rule
from tandem.segments.models import Segment, SegmentMember, SegmentSize


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild changed: members added and removed, and the size after."""

    added: int
    removed: int
    size: int


@contextlib.contextmanager
def whole_rule_reads() -> Iterator[None]:
    """A transaction for evaluating a rule over every contact (a count, a rebuild).

    PostgreSQL runs a behaviour condition under OR (``id IN (subquery) OR …``) as a subplan it
    hashes only when the subquery's rows fit in ``work_mem``; the default 4 MB holds about
    a hundred thousand contact ids, and past that it re-runs the subquery for every contact:
    hours at a million contacts instead of seconds. So these reads get 128 MB, for this
    transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '128MB'")
        yield


def dynamic_segments() -> list[Segment]:
    return list(Segment.objects.filter(kind=Segment.Kind.DYNAMIC).order_by("pk"))


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
    with whole_rule_reads(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        # CREATE TABLE … AS, not INSERT … SELECT: PostgreSQL runs the rule's query with
        # parallel workers only for the former (it never parallelises an INSERT's SELECT).
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} AS "  # noqa: S608
            f"SELECT matching.pk AS id FROM ({sql}) matching",
            params,
        )
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
