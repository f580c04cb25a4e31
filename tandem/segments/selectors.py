"""Queries over segments and their stored membership."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from tandem.access import policies
from tandem.people.models import Contact
from tandem.segments.conditions import REFERENCES, catalogue
from tandem.segments.models import Segment, SegmentMember, SegmentSize


def audience_contacts(
    *, segments: Iterable[Segment], exclusions: Iterable[Segment] = ()
) -> QuerySet[Contact]:
    """Contacts in any of ``segments`` and in none of ``exclusions`` (or exclusion segments).

    Reads stored membership, so it is as fresh as the last incremental update.
    """
    include_ids = [s.pk for s in segments]
    exclude_ids = {s.pk for s in exclusions} | {
        s.pk for s in Segment.objects.filter(pk__in=include_ids, is_exclusion=True)
    }
    members = SegmentMember.objects.filter(segment_id__in=include_ids).values("contact_id")
    excluded = SegmentMember.objects.filter(segment_id__in=exclude_ids).values("contact_id")
    return Contact.objects.filter(pk__in=members).exclude(pk__in=excluded)


def segments_for_user(*, user: Any, search: str = "") -> QuerySet[Segment]:
    qs = policies.visible(user, "segment", Segment.objects.select_related("owner"))
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name")


def segment_get_for_user(*, user: Any, segment_id: int) -> Segment:
    return policies.get_visible(
        user, "segment", Segment.objects.select_related("owner"), segment_id
    )


def segment_members(*, segment: Segment) -> QuerySet[SegmentMember]:
    """Members newest contact first; the (segment, contact) index serves both filter and order."""
    return (
        SegmentMember.objects.filter(segment=segment)
        .select_related("contact", "contact__account")
        .order_by("-contact_id")
    )


def segment_size_rows(*, segment: Segment, limit: int = 120) -> list[dict[str, Any]]:
    """The last ``limit`` size samples, one per day (the day's latest), oldest first."""
    samples = SegmentSize.objects.filter(segment=segment).order_by("-measured_at")[: limit * 4]
    by_day: dict[str, int] = {}
    for sample in samples:
        by_day.setdefault(sample.measured_at.date().isoformat(), sample.member_count)
    days = sorted(by_day)[-limit:]
    return [{"month": day, "measure": "Members", "count": by_day[day]} for day in days]


def builder_catalogue() -> dict[str, Any]:
    """The condition types and the records their parameters can name, for the rule builder."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    # Segments, then what the apps above registered (marketing's forms and campaigns).
    options: dict[str, list[list[Any]]] = {
        kind: [[pk, name] for pk, name in ref.records().order_by("name").values_list("pk", "name")]
        for kind, ref in REFERENCES.items()
    }
    options["user"] = [[u.pk, u.get_full_name() or u.username] for u in users]
    return {"types": catalogue(), "options": options}


def segments_by_name() -> QuerySet[Segment]:
    """Every segment by name, to pick audiences from (a send, a campaign, a survey)."""
    return Segment.objects.order_by("name")


def segments_with_ids(*, ids: Iterable[int]) -> QuerySet[Segment]:
    """The segments with these ids (any missing ones are simply not there)."""
    return Segment.objects.filter(pk__in=list(ids))


def segment_find(*, segment_id: int | None) -> Segment | None:
    """The segment with this id, or None when there is none (or no id)."""
    if not segment_id:
        return None
    return Segment.objects.filter(pk=segment_id).first()
