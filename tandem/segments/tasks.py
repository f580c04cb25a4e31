"""Background work of segments: full rebuilds and the periodic sweep."""

from __future__ import annotations

import logging

from django_tasks import task

from tandem.errors import InvalidInput
from tandem.segments import rebuild
from tandem.segments.models import Segment

log = logging.getLogger(__name__)


@task()
def segment_rebuild_task(segment_id: int) -> None:
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None or segment.kind != Segment.Kind.DYNAMIC:
        return
    try:
        rebuild.segment_rebuild(segment=segment)
    except InvalidInput as exc:
        # Already recorded on the segment (status "failed", last_error), shown on its page.
        log.warning("segment %s cannot be rebuilt: %s", segment_id, exc)


@task()
def segments_refresh_task() -> None:
    rebuild.segments_refresh()
