"""The nurture segment recycled leads return to, kept by the hand-off.

A stop-gap until the segments app offers a service for static membership: these functions
write ``SegmentMember`` rows directly and keep the segment's count. Point them at
``tandem.segments.services`` once it exists.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from tandem.people.models import Contact
from tandem.segments.models import Segment, SegmentMember

NURTURE_SEGMENT_NAME = "Nurture (recycled leads)"


def nurture_segment_get() -> Segment:
    """The static nurture segment, created on first use."""
    segment, _ = Segment.objects.get_or_create(
        name=NURTURE_SEGMENT_NAME,
        defaults={
            "kind": Segment.Kind.STATIC,
            "description": "Leads sales recycled to marketing, kept here until they qualify "
            "again. Maintained by the hand-off.",
        },
    )
    return segment


def nurture_member_add(*, contact: Contact) -> bool:
    """Put a recycled contact in the nurture segment; True when they were not in it yet."""
    segment = nurture_segment_get()
    _, created = SegmentMember.objects.get_or_create(
        segment=segment, contact=contact, defaults={"added_at": timezone.now()}
    )
    if created:
        Segment.objects.filter(pk=segment.pk).update(member_count=F("member_count") + 1)
    return created


def nurture_member_remove(*, contact: Contact) -> bool:
    """Take a contact out of the nurture segment (they qualified again, or were disqualified).

    Two statements found by the segment's name, without reading the segment: this runs on
    every hand-off of a recycled lead."""
    deleted, _ = SegmentMember.objects.filter(
        segment__name=NURTURE_SEGMENT_NAME, contact=contact
    ).delete()
    if deleted:
        Segment.objects.filter(name=NURTURE_SEGMENT_NAME).update(
            member_count=F("member_count") - deleted
        )
    return bool(deleted)
