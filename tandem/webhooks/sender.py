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
import time
import uuid
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import urllib3
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tandem.ops import rows
from tandem.webhooks import failures, signing
from tandem.webhooks.addresses import AddressRefused, Target, target_resolve
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

S, M, H = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)
# The wait after each failed attempt: 8 attempts over about 27 hours.
RETRY_DELAYS = (5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT = urllib3.Timeout(connect=2.0, read=5.0)
LANES_PER_ENDPOINT = 8
MAX_THREADS = 64
CLAIM_FOR = 2 * M


@dataclass
class Outcome:
    """What one attempt came to: the answer's status code (none without an answer)."""

    delivery: Delivery
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def is_success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def deliveries_claim(*, now: dt.datetime, limit: int) -> list[Delivery]:
    """The due deliveries of enabled endpoints, claimed for this run."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Delivery.objects.filter(
        free, status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_enabled=True
    )
    ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    token = uuid.uuid4().hex
    Delivery.objects.filter(free, pk__in=ids).update(
        claimed_until=now + CLAIM_FOR, claimed_by=token
    )
    return list(Delivery.objects.filter(claimed_by=token).select_related("endpoint"))


def secrets_in_force(endpoint: Endpoint, now: dt.datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    keep = endpoint.previous_secret and (
        endpoint.previous_secret_expires_at is None or endpoint.previous_secret_expires_at > now
    )
    return [endpoint.secret, endpoint.previous_secret] if keep else [endpoint.secret]


class _Pools:
    """One connection pool per endpoint and checked address, shared by the endpoint's lanes
    (never by two endpoints: one's slow connections never hold up another's)."""

    def __init__(self) -> None:
        self._pools: dict[tuple, urllib3.HTTPConnectionPool] = {}

    def get(self, endpoint_id: int, target: Target) -> urllib3.HTTPConnectionPool:
        key = (endpoint_id, target.scheme, target.address, target.port, target.host)
        pool = self._pools.get(key)
        if pool is None:
            options: dict[str, Any] = {"maxsize": LANES_PER_ENDPOINT, "timeout": TIMEOUT}
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    target.address,
                    target.port,
                    server_hostname=target.host,
                    assert_hostname=target.host,
                    **options,
                )
            else:
                pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
            self._pools[key] = pool
        return pool

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


def post(
    pool: urllib3.HTTPConnectionPool, target: Target, delivery: Delivery, now: dt.datetime
) -> Outcome:
    """One signed POST of ``delivery``; never raises for what the network does."""
    timestamp = int(time.time())
    headers = signing.headers(
        secrets_in_force(delivery.endpoint, now),
        message_id=delivery.message_id,
        timestamp=timestamp,
        body=delivery.body,
    )
    port = "" if target.port in (80, 443) else f":{target.port}"
    headers["host"] = target.host + port if ":" not in target.host else f"[{target.host}]{port}"
    started = time.perf_counter()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=delivery.body.encode(),
            headers=headers,
            retries=False,
            redirect=False,
            preload_content=False,
        )
        response.read(4096)
        response.release_conn()
        code, error = response.status, ""
    except Exception as exc:  # noqa: BLE001 — every failure is the endpoint's, and recorded
        code, error = None, f"{type(exc).__name__}: {exc}"[:300]
    elapsed = round((time.perf_counter() - started) * 1000)
    return Outcome(delivery, code, elapsed, error)


def _lane(work: deque, state: dict, pools: _Pools, target: Target, now: dt.datetime) -> list:
    outcomes: list[Outcome] = []
    while True:
        try:
            delivery = work.popleft()
        except IndexError:
            return outcomes
        if state["unanswered"]:
            state["put_off"].append(delivery)
            continue
        outcome = post(pools.get(delivery.endpoint_id, target), target, delivery, now)
        if outcome.status_code is None:
            state["unanswered"] = True
        outcomes.append(outcome)


def deliveries_send_due(*, now: dt.datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Send every due delivery (up to ``limit``); counts of delivered, failed and put off."""
    now = now or timezone.now()
    claimed = deliveries_claim(now=now, limit=limit)
    by_endpoint: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in claimed:
        by_endpoint[delivery.endpoint_id].append(delivery)
    outcomes: list[Outcome] = []
    states: dict[int, dict] = {}
    pools = _Pools()
    jobs = []
    for endpoint_id, deliveries in by_endpoint.items():
        state = states[endpoint_id] = {"unanswered": False, "put_off": []}
        try:
            target = target_resolve(deliveries[0].endpoint.url)
        except AddressRefused as refused:
            outcomes.extend(Outcome(d, None, 0, f"refused: {refused}"[:300]) for d in deliveries)
            continue
        work = deque(deliveries)
        jobs.extend([(work, state, target)] * min(LANES_PER_ENDPOINT, len(deliveries)))
    if jobs:
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(jobs))) as pool:
            futures = [pool.submit(_lane, w, s, pools, t, now) for w, s, t in jobs]
            for future in futures:
                outcomes.extend(future.result())
    pools.close()
    put_off = [d for state in states.values() for d in state["put_off"]]
    return outcomes_record(outcomes, put_off, now=now)


def next_attempt_after(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When a delivery that has failed ``attempts`` times is tried again (``None``: never)."""
    return now + RETRY_DELAYS[attempts - 1] if attempts < MAX_ATTEMPTS else None


def outcomes_record(
    outcomes: list[Outcome], put_off: list[Delivery], *, now: dt.datetime
) -> dict[str, int]:
    """Write each attempt, move each delivery on (delivered, retried later or failed), put
    off the untried ones to their endpoint's next retry, and disable the endpoints whose
    delivery failed for the last time."""
    attempts, changed = [], []
    exhausted: dict[int, dt.datetime] = {}
    retry_at: dict[int, dt.datetime] = {}
    for outcome in outcomes:
        delivery = outcome.delivery
        delivery.attempts += 1
        attempts.append(
            Attempt(
                delivery=delivery,
                number=delivery.attempts,
                at=now,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
            )
        )
        delivery.last_status_code, delivery.last_duration_ms = (
            outcome.status_code,
            outcome.duration_ms,
        )
        if outcome.is_success:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = next_attempt_after(delivery.attempts, now)
            if delivery.next_attempt_at is None:
                delivery.status = DeliveryStatus.FAILED
                first = exhausted.get(delivery.endpoint_id, delivery.created_at)
                exhausted[delivery.endpoint_id] = min(first, delivery.created_at)
            else:
                retry_at[delivery.endpoint_id] = delivery.next_attempt_at
        changed.append(delivery)
    for delivery in put_off:
        delivery.next_attempt_at = retry_at.get(delivery.endpoint_id, now + RETRY_DELAYS[0])
        changed.append(delivery)
    for delivery in changed:
        delivery.claimed_until, delivery.claimed_by = None, ""
    for start in range(0, len(attempts), 1000):
        rows.rows_insert(attempts[start : start + 1000])
    _deliveries_update(changed)
    for endpoint_id, since in exhausted.items():
        failures.endpoint_failed(endpoint_id=endpoint_id, since=since, now=now)
    delivered = sum(1 for o in outcomes if o.is_success)
    return {"delivered": delivered, "failed": len(outcomes) - delivered, "put_off": len(put_off)}


_UPDATED = (
    "status", "attempts", "next_attempt_at", "claimed_until", "claimed_by",
    "last_status_code", "last_duration_ms", "delivered_at",
)  # fmt: skip


def _deliveries_update(changed: list[Delivery]) -> None:
    """One prepared UPDATE run for every changed delivery (``executemany``): the ORM's
    ``bulk_update`` builds a CASE per column per row and cost 25 times the sending."""
    if not changed:
        return
    fields = [f for f in Delivery._meta.concrete_fields if f.name in _UPDATED]
    columns = ", ".join(f"{f.column} = %s" for f in fields)
    statement = f"UPDATE {Delivery._meta.db_table} SET {columns} WHERE id = %s"  # noqa: S608
    values = [
        [f.get_db_prep_save(getattr(d, f.attname), connection) for f in fields] + [d.pk]
        for d in changed
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(statement, values)
