"""Queries over segment membership."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from tandem.people.models import Contact
from tandem.segments.models import Segment, SegmentMember


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
