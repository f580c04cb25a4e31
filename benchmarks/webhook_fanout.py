"""``webhook-fanout``: business events delivered to local receivers, deliveries per second,
and whether an endpoint that never answers delays another's deliveries.

A fresh SQLite data folder; a receiver in its own process on loopback (``_webhook_receiver``:
a thread per connection, HTTP/1.1 keep-alive, answers 204, cheap enough not to be the limit).
Four endpoints on it hear ``contact.created``; ``--contacts`` events (default 2,500, so
10,000 deliveries) are announced in one transaction, their deliveries written by the outbox
inside it (one INSERT per event), then sent by the real sender
(``webhooks.sender.deliveries_send_due``) until none is due. Then the isolation run: one
endpoint alone, then the same with a second endpoint whose server accepts connections and never
answers; the figure is how long the answering endpoint's deliveries took to arrive, from the
receiver's clock. ``DATABASE_URL`` is ignored.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from benchmarks import Figure, benchmark

NAME = "webhook-fanout"
REPO = Path(__file__).resolve().parent.parent


def _django(folder: str) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("TANDEM_MODE", None)
    os.environ["TANDEM_DATA_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    os.environ["TANDEM_WEBHOOKS_ALLOW_PRIVATE"] = "1"
    # The sender is driven here, not by a worker: enqueued tasks are dropped.
    os.environ["TANDEM_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ.setdefault("TANDEM_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _stats(port: int, reset: bool = False) -> dict:
    path = "/reset" if reset else "/stats"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as answer:  # noqa: S310
        return json.loads(answer.read())


def _endpoints(urls: list[str]) -> list:
    from tandem.access.models import User
    from tandem.webhooks import services
    from tandem.webhooks.schemas import EndpointIn

    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        username="bench-admin", role="admin"
    )
    from tandem.webhooks.models import Endpoint

    Endpoint.objects.all().delete()
    return [
        services.endpoint_create(actor=admin, data=EndpointIn(url=url, events=["contact.created"]))
        for url in urls
    ]


def _announce(events: int) -> float:
    """Announce ``events`` contact.created events in one transaction; seconds to commit and
    write their deliveries."""
    from django.db import transaction
    from django.utils import timezone

    from tandem.core.business_events import business_event_announce

    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        for i in range(events):
            business_event_announce(
                "contact.created",
                {"contact": {"id": i, "email": f"person{i}@example.test"}},
                occurred_at=now,
                subjects={"contact": i},
            )
    return time.perf_counter() - started


def _send_all() -> tuple[int, int, float]:
    """Run the sender until nothing is due: delivered, failed attempts, seconds."""
    from tandem.webhooks.sender import deliveries_send_due

    started, delivered, failed = time.perf_counter(), 0, 0
    while True:
        done = deliveries_send_due(limit=5000)
        delivered, failed = delivered + done["delivered"], failed + done["failed"]
        if not any(done.values()):
            return delivered, failed, time.perf_counter() - started


def _isolation(port: int, silent_port: int, events: int) -> Iterator[float]:
    """Seconds the answering endpoint's deliveries took to arrive: alone, then beside a
    silent endpoint."""
    for urls in (
        [f"http://127.0.0.1:{port}/alone"],
        [f"http://127.0.0.1:{port}/beside", f"http://127.0.0.1:{silent_port}/never"],
    ):
        _endpoints(urls)
        _stats(port, reset=True)
        _announce(events)
        sent_at = time.time()
        _send_all()
        seen = next(iter(_stats(port).values()))
        assert seen["count"] == events, seen
        yield seen["last"] - sent_at


@benchmark(NAME, "webhook deliveries per second to a local receiver; a silent endpoint's cost")
def run(options: argparse.Namespace) -> Iterator[Figure]:
    events = options.contacts or 2500
    receiver = subprocess.Popen(  # noqa: S603
        [sys.executable, str(REPO / "benchmarks" / "_webhook_receiver.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4096)  # connections wait in the backlog: never accepted, never answered
    try:
        port = int(receiver.stdout.readline())  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory(prefix="tandem-bench-") as folder:
            _django(folder)
            _endpoints([f"http://127.0.0.1:{port}/e{i}" for i in range(4)])
            wrote = _announce(events)
            delivered, failed, took = _send_all()
            assert sum(s["count"] for s in _stats(port).values()) == delivered
            yield Figure(NAME, "deliveries", delivered, "deliveries")
            yield Figure(NAME, "failed_attempts", failed, "attempts")
            yield Figure(NAME, "outbox_write_seconds", round(wrote, 3), "s")
            yield Figure(NAME, "send_seconds", round(took, 3), "s")
            yield Figure(NAME, "deliveries_per_second", round(delivered / took), "deliveries/s")
            alone, beside = _isolation(port, silent.getsockname()[1], 500)
            yield Figure(
                NAME, "answering_endpoint_seconds_beside_a_silent_one", round(beside, 3), "s",
                peer="alone", peer_value=round(alone, 3),
            )  # fmt: skip
    finally:
        silent.close()
        receiver.terminate()
        receiver.wait()
