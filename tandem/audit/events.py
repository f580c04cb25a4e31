"""Writing the audit trail. Services call these; nothing here is triggered by signals."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import models

from tandem.audit.models import AuditEntry
from tandem.ops import rows

# Timestamps the database keeps for itself; a change to them alone is not a change to the record.
BOOKKEEPING_FIELDS = frozenset({"updated_at"})


_local = threading.local()
_AS_IS = frozenset({str, int, bool, float})


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Entries recorded inside are written together, in one statement, when the block ends
    without an error; with an error none are (the transaction they belong to is rolling back).

    For hot paths that record several entries in one transaction (a touch that moves the
    lifecycle and hands a lead off records four). Use it inside the transaction, around code
    that lets errors of its inner atomic blocks propagate: an entry recorded in a savepoint
    that is rolled back while the block goes on would still be written. Nested blocks join
    the outermost one."""
    if getattr(_local, "pending", None) is not None:
        yield
        return
    pending: list[AuditEntry] = []
    _local.pending = pending
    try:
        yield
    finally:
        _local.pending = None
    if pending:
        rows.rows_insert(pending)


def _save(entry: AuditEntry) -> AuditEntry:
    pending = getattr(_local, "pending", None)
    if pending is None:
        rows.row_insert(entry)
    else:
        pending.append(entry)
    return entry


def _plain(value: Any) -> Any:
    if value is None or type(value) in _AS_IS:  # most values; an isinstance chain costs more
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# Columns that hold a secret (a password hash, a token's hash, a signing secret). The trail
# keeps only a short fingerprint of them: enough to see that one changed, nothing to replay
# or crack. The company export leaves the same columns out (``exports.company``).
SECRET_NAME = re.compile(r"password|secret|hash|(^|_)token$|^token")


def is_secret(name: str) -> bool:
    """Whether a column or key named ``name`` holds a secret."""
    return bool(SECRET_NAME.search(name))


def _fingerprint(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12]


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of ``obj``, JSON-ready, keyed by attribute name; a secret's
    value only as a fingerprint."""
    return {
        f.attname: _fingerprint(getattr(obj, f.attname))
        if is_secret(f.attname)
        else _plain(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
    }


def _actor_label(actor: Any, fallback: str) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return fallback
    return actor.get_username()


def _entry(
    actor: Any,
    obj: models.Model,
    action: str,
    changes: dict[str, list[Any]],
    via: str,
    label: str | None = None,
) -> AuditEntry:
    return _save(
        AuditEntry(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_label(actor, via),
            action=action,
            record_type=obj._meta.label_lower,
            record_id=str(obj.pk),
            record_label=(str(obj) if label is None else label)[:200],
            changes=changes,
        )
    )


def record_created(*, actor: Any, obj: models.Model, via: str = "system") -> AuditEntry:
    changes = {k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "", [])}
    return _entry(actor, obj, AuditEntry.Action.CREATE, changes, via)


def record_updated(
    *, actor: Any, obj: models.Model, before: dict[str, Any], via: str = "system"
) -> AuditEntry | None:
    """Record what changed since ``before`` (a ``snapshot``); nothing when nothing changed."""
    after = snapshot(obj)
    changes = {
        k: [before.get(k), v]
        for k, v in after.items()
        if before.get(k) != v and k not in BOOKKEEPING_FIELDS
    }
    return record_changes(actor=actor, obj=obj, changes=changes, via=via)


def record_changes(
    *,
    actor: Any,
    obj: models.Model,
    changes: dict[str, list[Any]],
    via: str = "system",
    label: str | None = None,
) -> AuditEntry | None:
    """Record an update whose changes (field -> [before, after]) the caller already knows: no
    snapshots of the whole record. Values are made JSON-ready here. ``label`` replaces the
    record's own (``str(obj)``) where that would say more than the entry may keep (a person's
    name on the entry of their erase)."""
    changes = {k: [_plain(b), _plain(a)] for k, (b, a) in changes.items() if b != a}
    if not changes:
        return None
    return _entry(actor, obj, AuditEntry.Action.UPDATE, changes, via, label)


def entries_rewrite(
    *, record_type: str, record_id: Any, fields: frozenset[str] | set[str], value: str, label: str
) -> int:
    """Replace every value of ``fields`` in the entries about one record by ``value`` and
    their label by ``label``: who acted, when, what action and which fields changed stay.

    The trail is otherwise never changed; this is for erasing a person's data (GDPR's right
    to be forgotten), whose values would else outlive them here. Returns how many entries."""
    entries = AuditEntry.objects.filter(record_type=record_type, record_id=str(record_id))
    count = 0
    for entry in entries.only("pk", "changes"):
        changes = {
            k: [None if v is None else value for v in pair] if k in fields else pair
            for k, pair in entry.changes.items()
        }
        AuditEntry.objects.filter(pk=entry.pk).update(changes=changes, record_label=label)
        count += 1
    return count


def record_deleted(*, actor: Any, obj: models.Model, via: str = "system") -> AuditEntry:
    changes = {k: [v, None] for k, v in snapshot(obj).items() if v not in (None, "", [])}
    return _entry(actor, obj, AuditEntry.Action.DELETE, changes, via)
