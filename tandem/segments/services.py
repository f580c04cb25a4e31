"""Use cases on segments: define, request rebuilds (``rebuild``), keep fresh per contact
(``refresh`` holds the compiled flags query), static lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.fields.tasks import custom_field_filtered
from tandem.people.models import Contact
from tandem.people.selectors import contact_ids_by_emails
from tandem.people.services import email_normalise
from tandem.segments import refresh
from tandem.segments.conditions import (
    EvalContext,
    RuleError,
    input_static_list,
    parse_rule,
    rule_normalise,
)
from tandem.segments.conditions.custom import custom_fields_of_rule
from tandem.segments.models import Segment, SegmentMember
from tandem.segments.rebuild import dynamic_segments, whole_rule_reads
from tandem.segments.tasks import segment_rebuild_task

# Contacts per flags query: the contact set is one parameter, so this bounds memory only.
REFRESH_CHUNK = 1000


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
    # A custom field a saved rule filters on gets its expression index (once, after commit).
    for custom in custom_fields_of_rule(normal):
        custom_field_filtered(custom)
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


def segment_count_draft(*, actor: Any, rule: Any, segment: Segment | None = None) -> int:
    """How many contacts a draft rule matches now (the live count while editing)."""
    if not (policies.can(actor, "create", "segment") or policies.can(actor, "change", "segment")):
        policies.require(actor, "change", "segment", segment)
    normal = rule_normalise(rule)
    _dependencies(segment.pk if segment else None, normal)
    with whole_rule_reads():
        return Contact.objects.filter(parse_rule(normal).q(EvalContext())).count()


# --- full rebuild ----------------------------------------------------------------------------


def _rebuild_enqueue(segment: Segment) -> None:
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


# --- incremental -----------------------------------------------------------------------------


def segments_refresh_for_contact(
    contact_id: int, *, now: dt.datetime | None = None, changed: Iterable[str] | None = None
) -> None:
    """Re-evaluate every dynamic segment for one contact and add or remove its memberships."""
    segments_refresh_for_contacts([contact_id], now=now, changed=changed)


def segments_refresh_for_contacts(
    contact_ids: Iterable[int],
    *,
    now: dt.datetime | None = None,
    changed: Iterable[str] | None = None,
) -> tuple[int, int]:
    """Re-evaluate the dynamic segments for these contacts; (memberships added, removed).

    ``changed`` names what changed (``people.hooks.INPUT_*``,
    ``conditions.input_static_list(pk)``); only the segments whose rules read one of those are
    evaluated. ``None`` (the default) means anything
    may have changed, so every dynamic segment is evaluated.

    Cost per chunk of contacts, whatever the number of segments: one query lists the dynamic
    segments, one evaluates all their rules and reads the present memberships; only when
    something moved, one INSERT, one DELETE and one UPDATE of the counts. A segment whose rule
    cannot be evaluated is skipped (its rebuild reports the error)."""
    ids = sorted({int(i) for i in contact_ids})
    if not ids:
        return (0, 0)
    now = now or timezone.now()
    plan = refresh.refresh_plan(None if changed is None else frozenset(changed))
    if plan is None:
        return (0, 0)
    added = removed = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        a, r = refresh.refresh_chunk(plan, ids[start : start + REFRESH_CHUNK], now)
        added, removed = added + a, removed + r
    return (added, removed)


def segments_forget_contact(contact_id: int) -> None:
    """Before a contact is deleted: their memberships go, and each segment's count with them."""
    segment_ids = list(
        SegmentMember.objects.filter(contact_id=contact_id).values_list("segment_id", flat=True)
    )
    if segment_ids:
        Segment.objects.filter(pk__in=segment_ids, member_count__gt=0).update(
            member_count=F("member_count") - 1
        )


def segments_recount_for_contact(contact_id: int) -> None:
    """Recount the members of every segment the contact is in (after a merge dropped the
    membership both contacts had: the cached count was one too high)."""
    count = (
        SegmentMember.objects.filter(segment=OuterRef("pk"))
        .values("segment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    segment_ids = SegmentMember.objects.filter(contact_id=contact_id).values("segment_id")
    Segment.objects.filter(pk__in=segment_ids).update(member_count=Subquery(count))


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
        changed = [input_static_list(segment.pk)]
        transaction.on_commit(
            lambda: segments_refresh_for_contacts(ids, changed=changed), robust=True
        )


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
    # An address merged away (people's EmailAlias) adds the contact it was merged into.
    found = contact_ids_by_emails(wanted)
    for address, line in wanted.items():
        if address not in found:
            result.errors.append((line, f"no contact has the address {address}"))
    result.errors.sort()
    with transaction.atomic():
        # An address and an old address of the same contact add them once.
        ids = list(dict.fromkeys(found[a] for a in wanted if a in found))
        result.added = _members_add(segment, ids, timezone.now())
        result.already = len(ids) - result.added
        audit.record_updated(
            actor=actor, obj=segment, before=audit.snapshot(segment), via=f"{via} import"
        )
    return result


__all__ = ["RuleError"]
