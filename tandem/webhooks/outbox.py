"""Business events become deliveries inside the transaction that made them; sending waits for
the commit.

The listener (``business_event_listener``, registered in ``apps.py``) runs inside the
announcing service's transaction. It looks the event's type up in the subscriptions, kept per
process (``subscriptions``): an event nobody hears costs no query. For one that somebody hears
it writes the deliveries at once, one INSERT for all the subscribed endpoints still enabled
(``deliveries_insert``), and asks for the sender once per transaction, after the commit. So
the deliveries commit or roll back with the change itself, savepoints included: a committed
change always has its deliveries, even if the process dies before the sender runs (the
clock's ``webhooks_send`` finds them within the minute), and a rolled-back change has none.
After that everything is retried (at least once; the ``webhook-id`` names the message for a
receiver to drop a repeat).

How fresh the subscriptions are: an endpoint saved or deleted in this process counts at once
(inside its own transaction too, and forgotten if that rolls back). One changed in another
process counts from this process's next check of the settings token: once per transaction
while some endpoint hears anything; when none does, after each commit that announced
something (so the very first endpoint reaches a busy process from its second transaction on).
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone

from tandem.core.business_events import BusinessEvent
from tandem.ops import settings_cache
from tandem.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tandem.webhooks.tasks import deliveries_send

_local = threading.local()
# The subscriptions as this process last read them (``None``: not yet). Kept fresh by an
# endpoint's save or delete in this process, by the settings token after each commit that
# announced something, and when the sender runs (every minute in the worker).
_known: dict[str, tuple[int, ...]] | None = None


def subscriptions() -> dict[str, tuple[int, ...]]:
    """Event type → the enabled endpoints that hear it.

    Nobody hears anything (no enabled endpoint, as this process knows): no query. Otherwise
    the value cached by ``settings_cache`` is checked against the version token once per
    transaction (not at all inside ``settings_cache.pinned``). Inside a transaction that
    changed an endpoint, what that transaction sees."""
    provisional = _provisional()
    if provisional is not None:
        return provisional
    known = _known
    if known is not None and not known:
        return known
    if not connection.in_atomic_block:
        return _read()
    # One transaction's events (an import announces thousands) share one check. Django gives
    # each transaction, and each rollback of a savepoint, a new ``run_on_commit`` list.
    marker: list[Any] = connection.run_on_commit
    memo = getattr(_local, "memo", None)
    if memo is not None and memo[0] is marker:
        return memo[1]  # type: ignore[no-any-return]
    value = _read()
    _local.memo = (marker, value)
    return value


def _read() -> dict[str, tuple[int, ...]]:
    global _known
    value = settings_cache.cached("webhooks.subscriptions", _subscriptions_load)
    _known = value
    return value


def subscriptions_refresh(**_: Any) -> None:
    """Read the subscriptions afresh if another process changed an endpoint (one query when
    nothing changed); a database without the tables yet is left for later."""
    with contextlib.suppress(DatabaseError):
        _read()


def subscriptions_warm(*, connection: Any, **_: Any) -> None:
    """Read the subscriptions if this process has not yet (on its first connection to the
    database; not one made to create a database)."""
    if _known is None and connection.alias == DEFAULT_DB_ALIAS:
        subscriptions_refresh()


class _Provisional:
    """The subscriptions as a transaction that changed an endpoint sees them: used inside it,
    made the process's own when it commits, dropped when it rolls back."""

    def __init__(self, entries: list[Any], value: dict[str, tuple[int, ...]]) -> None:
        self.entries, self.value = entries, value

    def __call__(self) -> None:  # the commit
        global _known
        if getattr(_local, "provisional", None) is self:
            _local.provisional = None
            _known = self.value


def _provisional() -> dict[str, tuple[int, ...]] | None:
    provisional = getattr(_local, "provisional", None)
    if provisional is None:
        return None
    entries: list[Any] = connection.run_on_commit
    if connection.in_atomic_block and (
        provisional.entries is entries or any(entry[1] is provisional for entry in entries)
    ):
        provisional.entries = entries
        return provisional.value  # type: ignore[no-any-return]
    _local.provisional = None  # its transaction (or savepoint) was rolled back
    return None


def subscriptions_changed(**_: Any) -> None:
    """An endpoint was saved or deleted in this process."""
    global _known
    _local.memo = None
    if not connection.in_atomic_block:
        _known = None
        return
    _local.provisional = None
    value = _subscriptions_load()
    entries: list[Any] = connection.run_on_commit
    provisional = _local.provisional = _Provisional(entries, value)
    # At the transaction's level: a savepoint released or rolled back around the change
    # keeps it (a rolled-back change is only out of date: the insert checks each endpoint).
    entries.append((set(), provisional, True))


def _subscriptions_load() -> dict[str, tuple[int, ...]]:
    by_type: dict[str, list[int]] = {}
    for pk, events in Endpoint.objects.filter(is_enabled=True).values_list("pk", "events"):
        for name in events or ():
            by_type.setdefault(name, []).append(pk)
    return {name: tuple(ids) for name, ids in by_type.items()}


def message_body(type: str, version: int, occurred_at: Any, data: dict[str, Any]) -> str:
    """The JSON body of one message: ``type``, payload ``version``, ``timestamp``, ``data``."""
    return json.dumps(
        {"type": type, "version": version, "timestamp": occurred_at.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


_INSERT: dict[tuple[str, int], str] = {}


def deliveries_insert(event: BusinessEvent, endpoint_ids: tuple[int, ...]) -> int:
    """Write the deliveries ``event`` owes ``endpoint_ids``, in one statement that keeps only
    the endpoints still there and enabled (the cache may be a moment behind another process);
    how many were written."""
    now = timezone.now()
    conn = connections[Delivery.objects.db]
    key = (conn.vendor, len(endpoint_ids))
    sql = _INSERT.get(key)
    if sql is None:
        delivery, endpoint = Delivery._meta.db_table, Endpoint._meta.db_table
        sql = _INSERT[key] = (
            f"INSERT INTO {delivery} (endpoint_id, message_id, event_type, body, status, "  # noqa: S608
            "attempts, created_at, next_attempt_at, claimed_by) "
            f"SELECT id, %s, %s, %s, %s, 0, %s, %s, '' FROM {endpoint} "
            f"WHERE is_enabled = %s AND id IN ({', '.join(['%s'] * len(endpoint_ids))}) "
            "ORDER BY id"
        )
    at = Delivery._meta.get_field("created_at").get_db_prep_save(now, conn)
    body = message_body(event.type, event.version, event.occurred_at, event.data)
    params = ["msg_" + uuid.uuid4().hex, event.type, body, DeliveryStatus.PENDING, at, at, True]
    with conn.cursor() as cursor:
        cursor.execute(sql, [*params, *endpoint_ids])
        return max(cursor.rowcount, 0)


def sender_start() -> None:
    """Enqueue the sender task."""
    deliveries_send.enqueue()


class _AfterCommit:
    """What one transaction does once it commits: start the sender if it wrote deliveries,
    and, in a process that knows of no subscription, check the settings token for an
    endpoint made in another process."""

    def __init__(self, entries: list[Any]) -> None:
        self.entries, self.ran, self.sends = entries, False, False

    def __call__(self) -> None:
        self.ran = True
        if self.sends:
            sender_start()  # looked up when it runs (a test may stand in for the sender)
        if not _known:
            subscriptions_refresh()


def _after_commit(*, sends: bool) -> None:
    """Do ``_AfterCommit``'s work once when the transaction commits (at once outside one).

    The call is kept at the transaction's own level, not the current savepoint's: a
    rolled-back savepoint takes its deliveries, never the sender the others need."""
    if not connection.in_atomic_block:
        call = _AfterCommit([])
        call.sends = sends
        call()
        return
    entries: list[Any] = connection.run_on_commit
    pending = getattr(_local, "pending", None)
    # Django starts a new list at each commit or rollback, and at a savepoint's rollback
    # (which keeps the calls made outside it).
    if (
        pending is None
        or pending.ran
        or not (pending.entries is entries or any(entry[1] is pending for entry in entries))
    ):
        _local.pending = pending = _AfterCommit(entries)
        # robust: a failure to enqueue is logged, never raised at the committed change; the
        # clock sends the deliveries within the minute.
        entries.append((set(), pending, True))
    pending.entries = entries
    pending.sends = pending.sends or sends


def business_event_listener(event: BusinessEvent) -> None:
    """Write the deliveries ``event`` owes in its own transaction (see the module's
    docstring); no query when no enabled endpoint hears its type."""
    endpoint_ids = subscriptions().get(event.type)
    _after_commit(sends=bool(endpoint_ids and deliveries_insert(event, endpoint_ids)))
