"""Fixed-window rate limits kept in the database, so every server process sees the same count."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tandem.access.models import RateCounter


def _window(seconds: int, now: dt.datetime) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for ``key``; False when the key is over its limit in this window."""
    start = _window(window_seconds, timezone.now())
    updated = RateCounter.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1)
    if not updated:
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, window_start=start, hits=1)
        except IntegrityError:
            RateCounter.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1)
    hits = RateCounter.objects.filter(key=key, window_start=start).values_list("hits", flat=True)
    return (hits.first() or 0) <= limit


def count(key: str, *, window_seconds: int) -> int:
    start = _window(window_seconds, timezone.now())
    row = RateCounter.objects.filter(key=key, window_start=start).values_list("hits", flat=True)
    return row.first() or 0


def reset(key: str) -> None:
    RateCounter.objects.filter(key=key).delete()


def counters_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the counters whose window has ended; how many went.

    A counter is kept a day, or as long as the login lockout if that is set longer, so no
    window still being counted loses its hits.
    """
    now = now or timezone.now()
    keep = max(dt.timedelta(days=1), dt.timedelta(seconds=settings.TANDEM_LOGIN_LOCKOUT_SECONDS))
    return RateCounter.objects.filter(window_start__lt=now - keep).delete()[0]


def client_address(request) -> str:
    """The client's address: behind a trusted proxy, the forwarded one (tandem.access.proxy)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
