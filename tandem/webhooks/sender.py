"""Sending due deliveries: many at once, each endpoint in its own lanes, never waiting long.

``deliveries_send_due`` claims the due deliveries of enabled endpoints (a conditional UPDATE
with this run's token, so two workers never send one twice), resolves and checks each
endpoint's address once (``addresses.target_resolve``), and posts through a pool of threads:
at most ``LANES_PER_ENDPOINT`` requests in flight per endpoint, so a slow endpoint holds its
own lanes and no other's. Requests have short timeouts and run outside any transaction. The
first request to an endpoint that gets no answer stops the others to it in this run: they are
put off to the endpoint's next retry without counting an attempt. Results are written at the
end in a few statements (``outcomes_record``).

Retries follow ``RETRY_DELAYS`` (about a day in all); a delivery still failing after the last
is failed, and its endpoint disabled and its owner told (``failures.endpoint_disable``) unless
the endpoint delivered something since.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from tandem.ops import rows
from tandem.webhooks import failures, signing
from tandem.webhooks.addresses import AddressRefused, Target, target_resolve
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from tandem.webhooks.transport import Connection

S, M, H = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)
# The wait after each failed attempt: 8 attempts over about 27 hours.
RETRY_DELAYS = (5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, and for each read of the answer."""

    connect: float
    read: float


TIMEOUT = Timeouts(connect=2.0, read=5.0)
LANES_PER_ENDPOINT = 8
MAX_THREADS = 64
CLAIM_FOR = 2 * M


@dataclass(slots=True)
class Claimed:
    """A delivery claimed for this run: what sending it and recording the outcome need."""

    pk: int
    endpoint_id: int
    message_id: str
    body: str
    attempts: int
    created_at: dt.datetime
    endpoint: Endpoint = field(repr=False)


@dataclass(slots=True)
class Outcome:
    """What one attempt came to: the answer's status code (none without an answer)."""

    delivery: Claimed
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def is_success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _claim_sql() -> str:
    delivery, endpoint = Delivery._meta.db_table, Endpoint._meta.db_table
    # PostgreSQL: rows another sender holds are skipped, not waited for. SQLite has one
    # writer at a time, so the UPDATE alone is the claim.
    lock = " FOR UPDATE OF d SKIP LOCKED" if connection.vendor == "postgresql" else ""
    return (
        f"UPDATE {delivery} SET claimed_until = %s, claimed_by = %s WHERE id IN ("  # noqa: S608
        f"SELECT d.id FROM {delivery} d JOIN {endpoint} e ON e.id = d.endpoint_id "
        "WHERE d.status = %s AND d.next_attempt_at <= %s AND e.is_enabled = %s "
        "AND (d.claimed_until IS NULL OR d.claimed_until < %s) "
        f"ORDER BY d.next_attempt_at, d.id LIMIT %s{lock}) "
        "RETURNING id, endpoint_id, message_id, body, attempts, created_at"
    )


def deliveries_claim(*, now: dt.datetime, limit: int) -> list[Claimed]:
    """The due deliveries of enabled endpoints, claimed for this run in one statement, with
    their endpoints (one more query)."""
    prep = Delivery._meta.get_field("claimed_until").get_db_prep_save
    at, until = prep(now, connection), prep(now + CLAIM_FOR, connection)
    token = uuid.uuid4().hex
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [until, token, DeliveryStatus.PENDING, at, True, at, limit])
        found = cursor.fetchall()
    if not found:
        return []
    endpoints = Endpoint.objects.in_bulk({row[1] for row in found})
    found.sort(key=lambda row: row[0])
    return [
        Claimed(pk, endpoint_id, message_id, body, attempts, rows.datetime_from_db(created),
                endpoints[endpoint_id])
        for pk, endpoint_id, message_id, body, attempts, created in found
    ]  # fmt: skip


def secrets_in_force(endpoint: Endpoint, now: dt.datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    keep = endpoint.previous_secret and (
        endpoint.previous_secret_expires_at is None or endpoint.previous_secret_expires_at > now
    )
    return [endpoint.secret, endpoint.previous_secret] if keep else [endpoint.secret]


def post(lane: Connection, delivery: Claimed, secrets: list[str]) -> Outcome:
    """One signed POST of ``delivery`` on the lane's connection; never raises for what the
    network does."""
    headers = signing.headers(
        secrets, message_id=delivery.message_id, timestamp=int(time.time()), body=delivery.body
    )
    del headers["content-type"], headers["user-agent"]  # the connection sends them
    started = time.perf_counter()
    try:
        code, error = lane.post(headers, delivery.body.encode()), ""
    except Exception as exc:  # noqa: BLE001 — every failure is the endpoint's, and recorded
        code, error = None, f"{type(exc).__name__}: {exc}"[:300]
    elapsed = round((time.perf_counter() - started) * 1000)
    return Outcome(delivery, code, elapsed, error)


def _lane(work: deque, state: dict, target: Target, now: dt.datetime) -> list[Outcome]:
    """Send the endpoint's deliveries one after another on one connection, taking the next
    from the queue its other lanes share; stop once the endpoint leaves one unanswered."""
    outcomes: list[Outcome] = []
    lane = Connection(target, connect_timeout=TIMEOUT.connect, read_timeout=TIMEOUT.read)
    try:
        while True:
            try:
                delivery = work.popleft()
            except IndexError:
                return outcomes
            if state["unanswered"]:
                state["put_off"].append(delivery)
                continue
            outcome = post(lane, delivery, state["secrets"])
            if outcome.status_code is None:
                state["unanswered"] = True
            outcomes.append(outcome)
    finally:
        lane.close()


def deliveries_send_due(*, now: dt.datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Send every due delivery (up to ``limit``); counts of delivered, failed and put off."""
    now = now or timezone.now()
    claimed = deliveries_claim(now=now, limit=limit)
    by_endpoint: dict[int, list[Claimed]] = defaultdict(list)
    for delivery in claimed:
        by_endpoint[delivery.endpoint_id].append(delivery)
    outcomes: list[Outcome] = []
    states: dict[int, dict] = {}
    jobs = []
    for endpoint_id, deliveries in by_endpoint.items():
        endpoint = deliveries[0].endpoint
        state = states[endpoint_id] = {
            "unanswered": False,
            "put_off": [],
            "secrets": secrets_in_force(endpoint, now),
        }
        try:
            target = target_resolve(endpoint.url)
        except AddressRefused as refused:
            outcomes.extend(Outcome(d, None, 0, f"refused: {refused}"[:300]) for d in deliveries)
            continue
        work = deque(deliveries)
        jobs.extend([(work, state, target)] * min(LANES_PER_ENDPOINT, len(deliveries)))
    if jobs:
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(jobs))) as pool:
            futures = [pool.submit(_lane, w, s, t, now) for w, s, t in jobs]
            for future in futures:
                outcomes.extend(future.result())
    put_off = [d for state in states.values() for d in state["put_off"]]
    return outcomes_record(outcomes, put_off, now=now)


def next_attempt_after(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When a delivery that has failed ``attempts`` times is tried again (``None``: never)."""
    return now + RETRY_DELAYS[attempts - 1] if attempts < MAX_ATTEMPTS else None


def outcomes_record(
    outcomes: list[Outcome], put_off: list[Claimed], *, now: dt.datetime
) -> dict[str, int]:
    """Write each attempt, move each delivery on (delivered, retried later or failed), put
    off the untried ones to their endpoint's next retry, and disable the endpoints whose
    delivery failed for the last time. A few statements for the whole run."""
    attempts: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    exhausted: dict[int, dt.datetime] = {}
    retry_at: dict[int, dt.datetime] = {}
    pending, delivered_, failed_ = (
        DeliveryStatus.PENDING, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED,
    )  # fmt: skip
    for outcome in outcomes:
        delivery = outcome.delivery
        number = delivery.attempts + 1
        attempts.append(
            (delivery.pk, number, outcome.status_code, outcome.duration_ms, outcome.error)
        )
        if outcome.is_success:
            status, next_at, delivered_at = delivered_, None, now
        else:
            status, next_at, delivered_at = pending, next_attempt_after(number, now), None
            if next_at is None:
                status = failed_
                first = exhausted.get(delivery.endpoint_id, delivery.created_at)
                exhausted[delivery.endpoint_id] = min(first, delivery.created_at)
            else:
                retry_at[delivery.endpoint_id] = next_at
        changed.append(
            (delivery.pk, status, number, next_at, outcome.status_code, outcome.duration_ms,
             delivered_at)
        )  # fmt: skip
    untried = [(d, retry_at.get(d.endpoint_id, now + RETRY_DELAYS[0])) for d in put_off]
    with transaction.atomic():
        _attempts_insert(attempts, now)
        _deliveries_update(changed)
        _deliveries_put_off(untried)
    for endpoint_id, since in exhausted.items():
        failures.endpoint_failed(endpoint_id=endpoint_id, since=since, now=now)
    delivered = sum(1 for o in outcomes if o.is_success)
    return {"delivered": delivered, "failed": len(outcomes) - delivered, "put_off": len(put_off)}


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # Django's 999 is SQLite's old default; the library in use says what it takes.
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return connection.features.max_query_params or 65535


def _chunks(values: list, columns: int) -> Any:
    """``values`` in runs that keep a statement under the database's parameter limit."""
    size = max(1, min(1000, _max_params() // columns - 1))
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _attempts_insert(attempts: list[tuple[Any, ...]], now: dt.datetime) -> None:
    at = Attempt._meta.get_field("at").get_db_prep_save(now, connection)
    table = Attempt._meta.db_table
    for chunk in _chunks(attempts, 6):
        sql = (
            f"INSERT INTO {table} (delivery_id, number, at, status_code, duration_ms, error) "  # noqa: S608
            f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(chunk))}"
        )
        params = [v for pk, n, code, ms, error in chunk for v in (pk, n, at, code, ms, error)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


_UPDATED = (
    "status", "attempts", "next_attempt_at", "last_status_code", "last_duration_ms",
    "delivered_at",
)  # fmt: skip


def _deliveries_update(changed: list[tuple[Any, ...]]) -> None:
    """One UPDATE for each run of tried deliveries: their new values joined in as a table
    (``WITH v(...) AS (VALUES ...) UPDATE ... FROM v``), the claim released."""
    if not changed:
        return
    by_name = {f.name: f for f in Delivery._meta.concrete_fields}
    fields = [by_name[name] for name in _UPDATED]
    table = Delivery._meta.db_table
    # PostgreSQL types a VALUES column from its first row: say what each one is.
    if connection.vendor == "postgresql":
        types = [str(f.db_type(connection)) for f in fields]
        first = "(%s::bigint, " + ", ".join(f"%s::{t}" for t in types) + ")"
    else:
        first = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    other = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    names = ", ".join(str(f.column) for f in fields)
    sets = ", ".join(f"{f.column} = v.{f.column}" for f in fields)
    # Only the two times need the database's form; a run has few distinct ones.
    conn = connections[DEFAULT_DB_ALIAS]
    prepared: dict[dt.datetime | None, Any] = {None: None}

    def when(value: dt.datetime | None) -> Any:
        if value not in prepared:
            prepared[value] = fields[2].get_db_prep_save(value, conn)
        return prepared[value]

    for chunk in _chunks(changed, len(fields) + 1):
        sql = (
            f"WITH v(id, {names}) AS (VALUES {', '.join([first] + [other] * (len(chunk) - 1))}) "  # noqa: S608
            f"UPDATE {table} SET {sets}, claimed_until = NULL, claimed_by = '' "
            f"FROM v WHERE {table}.id = v.id"
        )
        params = [
            value
            for pk, status, number, next_at, code, ms, delivered_at in chunk
            for value in (pk, str(status), number, when(next_at), code, ms, when(delivered_at))
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _deliveries_put_off(untried: list[tuple[Claimed, dt.datetime]]) -> None:
    """The untried deliveries wait for their endpoint's next retry: one UPDATE per time."""
    by_time: dict[dt.datetime, list[int]] = defaultdict(list)
    for delivery, at in untried:
        by_time[at].append(delivery.pk)
    for at, pks in by_time.items():
        for chunk in _chunks(pks, 1):
            Delivery.objects.filter(pk__in=chunk).update(
                next_attempt_at=at, claimed_until=None, claimed_by=""
            )
