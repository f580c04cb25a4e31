"""Business events become deliveries once their transaction commits: one INSERT per commit.

The listener (``business_event_listener``, registered in ``apps.py``) only keeps the event in
memory: it costs no query inside the announcing transaction, whoever subscribes. Events are
kept per savepoint, each group released by its own ``on_commit`` callback, so an event
announced in a savepoint that is rolled back is dropped with it while the rest of the
transaction goes on. One more callback, kept last in the transaction's list, writes every
released event's deliveries for the subscribed, enabled endpoints in one statement and
enqueues the sender. A rolled-back change is never announced outside.

The boundary: the deliveries are written just after the commit, so a process that dies
between the two loses those events (at most once); everything after is retried (at least
once, the ``webhook-id`` naming the message for the receiver to drop a repeat).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from tandem.core.business_events import BusinessEvent
from tandem.ops import rows as ops_rows
from tandem.ops import settings_cache
from tandem.webhooks.models import Delivery, Endpoint
from tandem.webhooks.tasks import deliveries_send

_local = threading.local()


def subscriptions() -> dict[str, tuple[int, ...]]:
    """Event type → the enabled endpoints that hear it; kept per process until an endpoint
    changes (``settings_cache``: one token read when it is still fresh)."""
    return settings_cache.cached("webhooks.subscriptions", _subscriptions_load)


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


def deliveries_write(events: list[BusinessEvent]) -> int:
    """Write the deliveries ``events`` owe the endpoints subscribed to them (one statement)
    and start the sender; how many were written."""
    by_type = subscriptions() if events else {}
    if not by_type:
        return 0
    now = timezone.now()
    rows: list[Delivery] = []
    for event in events:
        endpoint_ids = by_type.get(event.type)
        if not endpoint_ids:
            continue
        body = message_body(event.type, event.version, event.occurred_at, event.data)
        message_id = "msg_" + uuid.uuid4().hex
        rows.extend(
            Delivery(
                endpoint_id=endpoint_id,
                message_id=message_id,
                event_type=event.type,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint_id in endpoint_ids
        )
    if rows:
        # Plain multi-row INSERTs (``ops.rows``): the ORM's compiler cost more than the rows.
        for start in range(0, len(rows), 1000):
            ops_rows.rows_insert(rows[start : start + 1000])
        sender_start()
    return len(rows)


def sender_start() -> None:
    """Enqueue the sender task."""
    deliveries_send.enqueue()


def business_event_listener(event: BusinessEvent) -> None:
    """Keep ``event`` until its transaction commits (see the module's docstring)."""
    if not connection.in_atomic_block:
        deliveries_write([event])
        return
    key = tuple(connection.savepoint_ids)
    groups = _groups()
    group = groups.get(key)
    if group is None or not _registered(key):
        group = groups[key] = []
        release = _releaser(key, group)
        transaction.on_commit(release)
        _local.releases[key] = release
        _writer_add()
    _local.seq += 1
    group.append((_local.seq, event))


def _groups() -> dict[tuple, list[tuple[int, BusinessEvent]]]:
    if getattr(_local, "groups", None) is None:
        _local.groups, _local.releases, _local.released = {}, {}, []
        _local.seq = _local.writer = 0
    return _local.groups


def _registered(key: tuple) -> bool:
    """Whether the group's release is still among the transaction's callbacks (a rollback
    of its savepoint or of the whole transaction drops it, and a new group starts)."""
    release = _local.releases.get(key)
    entries: list[Any] = connection.run_on_commit
    return any(entry[1] is release for entry in reversed(entries))


def _releaser(key: tuple, group: list[tuple[int, BusinessEvent]]) -> Callable[[], None]:
    def release() -> None:
        _local.released.extend(group)
        group.clear()
        # Released: a later event starts a new group, even if this callback stays listed.
        if _local.groups.get(key) is group:
            del _local.groups[key]

    return release


def _writer_add() -> None:
    """Add a writer after the newest release; only the newest writer writes (the older ones
    find it is not theirs to), so a transaction's events go in one statement, in the order
    they were announced. Registered at the transaction's level, not the savepoint's: it
    runs whatever was rolled back inside."""
    _local.writer += 1
    generation = _local.writer

    def write() -> None:
        if generation != _local.writer:
            return
        released, _local.released = _local.released, []
        _local.groups, _local.releases = {}, {}
        deliveries_write([event for _, event in sorted(released, key=lambda pair: pair[0])])

    entries: list[Any] = connection.run_on_commit
    entries.append((set(), write, False))
