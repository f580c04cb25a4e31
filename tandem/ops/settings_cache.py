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

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

TABLE = "ops_settingsversion"

# name -> (token it was read under, value); a plain dict: assignment is atomic under the GIL.
_values: dict[str, tuple[str, Any]] = {}


def _token() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")  # noqa: S608 — a constant
        row = cursor.fetchone()
    return row[0] if row else None


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
    # version, so it is used this once and not kept.
    if _token() == token:
        _values[name] = (token, value)
    return value


def settings_changed(**_: Any) -> None:
    """A watched setting changed: every process reads the settings afresh."""
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET token = %s WHERE id = 1", [token])  # noqa: S608
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, %s)", [token])  # noqa: S608


def watch(*models: type[Model]) -> None:
    """Treat a save or delete of any of ``models`` as a change of settings."""
    for model in models:
        post_save.connect(
            settings_changed, sender=model, dispatch_uid=f"settings:{model._meta.label}"
        )
        post_delete.connect(
            settings_changed, sender=model, dispatch_uid=f"settings-del:{model._meta.label}"
        )
