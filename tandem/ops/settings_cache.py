"""Company settings kept in each process's memory until someone changes them.

Scoring a touch reads the scoring profile, its weights and ICP rules, the stage rules, the
routing rules and the service levels: seven small queries that cost more than the rest of the
work. They change a few times a year. So each is read once per process and reused while the
one-row ``SettingsVersion`` token still says what it said when the value was read; saving or
deleting any watched model writes a new token (a signal, so the admin, forms, the API and
tests' factories are all covered).

The token is random, never a counter: a change rolled back leaves its token unused forever,
so a value read inside that transaction can never be mistaken for a later change's. Inside a
transaction that changed a setting, the new token is visible only to that transaction, which
therefore reads its own change. Without the row (a database flushed by a test) nothing is
cached. Bulk writes (``QuerySet.update``, ``bulk_create``) send no signal: call
``settings_changed()`` after them.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

TABLE = "ops_settingsversion"

# name -> (token it was read under, value); a plain dict: assignment is atomic under the GIL.
_values: dict[str, tuple[str, Any]] = {}
# The token read once for a block of work (``pinned``), per thread.
_pin = threading.local()
_UNPINNED = object()


def _token_read() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608 — a constant
        row = cursor.fetchone()
    return row[0] if row else None


def _token() -> str | None:
    token = getattr(_pin, "token", _UNPINNED)
    return _token_read() if token is _UNPINNED else token  # type: ignore[return-value]


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """Inside, the version token is read once and every setting is taken as of then.

    For one transaction's worth of work that reads several settings (a touch that hands a
    lead off reads four): one query instead of one per setting. A setting changed inside the
    block (``settings_changed``) moves the pinned token too. Nested blocks join the outer one."""
    if getattr(_pin, "token", _UNPINNED) is not _UNPINNED:
        yield
        return
    _pin.token = _token_read()
    try:
        yield
    finally:
        _pin.token = _UNPINNED


def cached(name: str, load: Callable[[], T]) -> T:
    """``load()``'s value, reused by this process until a watched setting changes.

    The value is shared between callers: it must not be changed in place."""
    token = _token()
    if token is None:
        return load()
    hit = _values.get(name)
    if hit is not None and hit[0] == token:
        return hit[1]
    value = load()
    # A change committed by someone else between the two reads: the value may be either
    # version, so it is used this once and not kept. (Read afresh, even when pinned.)
    if _token_read() == token:
        _values[name] = (token, value)
    return value


def settings_changed(**_: Any) -> None:
    """A watched setting changed: every process reads the settings afresh."""
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET token = %s WHERE id = 1", [token])  # noqa: S608
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, %s)", [token])  # noqa: S608
    if getattr(_pin, "token", _UNPINNED) is not _UNPINNED:
        _pin.token = token


def watch(*models: type[Model]) -> None:
    """Treat a save or delete of any of ``models`` as a change of settings."""
    for model in models:
        post_save.connect(
            settings_changed, sender=model, dispatch_uid=f"settings:{model._meta.label}"
        )
        post_delete.connect(
            settings_changed, sender=model, dispatch_uid=f"settings-del:{model._meta.label}"
        )
