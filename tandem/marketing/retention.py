"""How long anonymous tracking is kept: page visits never joined to a contact.

A visit joins a contact when the visitor sends a form (``marketing.tracking.visits_join``);
until then it is an anonymous visitor's browsing, kept only to be joined later. After
``TANDEM_TRACKING_RETENTION_DAYS`` (395 by default: the 13 months European regulators accept
for an audience-measurement cookie, plus a month for the last visit's data to age out) such
visits are deleted by the clock's daily ``tracking_prune``. Joined visits are the contact's
touches and stay with them (an erase removes their visitor id).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tandem.marketing.models import Visit

CHUNK = 5_000


def visits_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the unjoined visits older than the retention, a chunk per statement (a large
    site's backlog never holds one long lock); how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.TANDEM_TRACKING_RETENTION_DAYS)
    old = Visit.objects.filter(contact__isnull=True, visited_at__lt=cutoff)
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:CHUNK]):
        deleted += Visit.objects.filter(pk__in=ids).delete()[0]
    return deleted
