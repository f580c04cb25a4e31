"""A database that is busy for a moment (SQLite locked, PostgreSQL out of connections or not
answering) is a 503 with ``Retry-After``, not a 500: the client may send the same request again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, close_old_connections

log = logging.getLogger("tandem.ops.busy")
T = TypeVar("T")

RETRY_AFTER_SECONDS = 5
MESSAGE = "the database is busy; send the request again in a few seconds"
# What SQLite and PostgreSQL say when the fault is passing, lower-cased.
BUSY_WORDS = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "too many connections",
    "remaining connection slots are reserved",
    "could not connect to server",
    "connection to server at",
    "connection refused",
    "connection failed",
    "the database system is starting up",
    "the database system is shutting down",
    "canceling statement due to lock timeout",
    "server closed the connection unexpectedly",
)


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is a database that is busy or away for a moment (worth a retry)."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc).lower()
    return any(words in text for words in BUSY_WORDS)


def retrying(
    work: Callable[[], T],
    *,
    attempts: int = 6,
    first_wait: float = 0.5,
    longest_wait: float = 30.0,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """``work()``, again after a growing pause while the database is busy; the last busy error
    is raised once ``attempts`` are spent. Other errors go through at once."""
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as exc:
            if not is_busy(exc) or attempt == attempts:
                raise
            log.warning("database busy (%s); trying again in %.1f s", exc, wait)
            close_old_connections()
            sleep(wait)
            wait = min(wait * 2, longest_wait)
    raise AssertionError("unreachable")  # pragma: no cover
