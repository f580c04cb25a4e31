"""The nurture segment recycled leads return to, kept by the hand-off.

A stop-gap until the segments app offers a service for static membership: these functions
write ``SegmentMember`` rows directly and keep the segment's count. Point them at
``tandem.segments.services`` once it exists.
"""

from __future__ import annotations

from django.db import connection
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

    Two plain statements found by the segment's name, without reading the segment: this runs
    on every hand-off of a recycled lead."""
    members, segments = SegmentMember._meta.db_table, Segment._meta.db_table
    with connection.cursor() as cursor:
        # Table names only are formatted in.
        cursor.execute(
            f"DELETE FROM {members} WHERE contact_id = %s AND segment_id = "  # noqa: S608
            f"(SELECT id FROM {segments} WHERE name = %s)",
            [contact.pk, NURTURE_SEGMENT_NAME],
        )
        deleted = cursor.rowcount
        if deleted:
            cursor.execute(
                f"UPDATE {segments} SET member_count = member_count - %s WHERE name = %s",  # noqa: S608
                [deleted, NURTURE_SEGMENT_NAME],
            )
    return bool(deleted)
