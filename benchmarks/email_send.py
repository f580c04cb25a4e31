"""``email-send``: a campaign email to a segment through real SMTP, messages per hour and memory.

Builds a fresh SQLite data folder with ``--contacts`` contacts (default 20,000) in one segment —
90 % consenting, 5 % withdrawn, 5 % never asked, 1 % of addresses suppressed — then sends one
personalised, tracked message to each through the real engine (``send_batch_run``, batches of
500, one SMTP connection per batch, consent and suppression read before every message) to an
aiosmtpd server in a subprocess that only counts. ``DATABASE_URL`` is ignored.

Figures: recipients, messages sent (and received by the server, with duplicates), seconds,
messages per hour, and the process's peak resident memory when 10 % and 100 % of recipients were
handled (flat memory: the two are close).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import Figure, benchmark

NAME = "email-send"
DEFAULT_CONTACTS = 20_000
REPO = Path(__file__).resolve().parent.parent
STATUS = Path("/proc/self/status")


def _status_mb(name: str) -> float:
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(f"{name}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _django(folder: str) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("TANDEM_MODE", None)
    os.environ["TANDEM_DATA_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    os.environ.setdefault("TANDEM_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _audience(contacts: int) -> int:
    """Contacts, consents, a few suppressions and one static segment; the segment's id."""
    from django.db import transaction
    from django.utils import timezone

    from tandem.mailing.models import Suppression
    from tandem.people.models import Account, Consent, Contact
    from tandem.segments.models import Segment, SegmentMember

    now = timezone.now()
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            Account(name=f"Company {i}", domain=f"company{i}.test") for i in range(500)
        )
        segment = Segment.objects.create(name="Everyone", kind=Segment.Kind.STATIC)
        chunk = 5000
        for start in range(0, contacts, chunk):
            batch = Contact.objects.bulk_create(
                Contact(
                    email=f"person{i}@company{i % 500}.test",
                    first_name=f"Person{i}",
                    last_name="Bench",
                    account=accounts[i % 500],
                )
                for i in range(start, min(start + chunk, contacts))
            )
            Consent.objects.bulk_create(
                Consent(
                    contact=c,
                    channel="email",
                    is_granted=c.pk % 20 != 0,
                    source="benchmark",
                    recorded_at=now,
                )
                for c in batch
                if c.pk % 20 != 1
            )
            SegmentMember.objects.bulk_create(
                SegmentMember(segment=segment, contact=c, added_at=now) for c in batch
            )
            Suppression.objects.bulk_create(
                Suppression(email=c.email, reason="bounced", created_at=now)
                for c in batch
                if c.pk % 100 == 7
            )
    return segment.pk


@benchmark(
    NAME,
    "a campaign email to --contacts N (default 20,000) over SMTP to a local counting server: "
    "messages/hour, peak memory at 10% and 100%",
)
def run(options: argparse.Namespace) -> Iterator[Figure]:
    contacts = options.contacts or DEFAULT_CONTACTS
    with tempfile.TemporaryDirectory(prefix="tandem-bench-mail-") as folder:
        _django(folder)
        segment_id = _audience(contacts)
        server = subprocess.Popen(  # noqa: S603 — our own interpreter and module
            [sys.executable, "-m", "benchmarks._smtp_counter"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            port = int(server.stdout.readline()) if server.stdout else 0
            figures = list(_send(contacts, segment_id, port))
        finally:
            out, _ = server.communicate("")
        received, distinct, duplicates = (int(x) for x in out.split()[-3:])
    yield from figures
    yield Figure(NAME, "received_by_server", received, "messages")
    yield Figure(NAME, "received_distinct_recipients", distinct, "addresses")
    yield Figure(NAME, "received_duplicates", duplicates, "messages")


def _send(contacts: int, segment_id: int, port: int) -> Iterator[Figure]:
    from django.conf import settings

    from tandem.access.models import User
    from tandem.mailing import engine, services, template_services
    from tandem.mailing.selectors import send_progress
    from tandem.segments.models import Segment

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    marketer = User.objects.create(username="bench", role="marketer")
    template = template_services.template_create(
        actor=marketer,
        name="Benchmark",
        subject="{{ contact.first_name|default:'Hello' }}, the autumn webinar",
        html_body=(
            "<html><body><p>Hi {{ contact.first_name|default:'there' }},</p>"
            "<p>{{ account.name }} is invited to our webinar. "
            '<a href="https://example.org/webinar">Save your seat</a> · '
            '<a href="https://example.org/agenda">Agenda</a></p>'
            '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'
        ),
        text_body="Hi {{ contact.first_name|default:'there' }},\nhttps://example.org/webinar\n",
    )
    send = services.send_create(
        actor=marketer,
        name="Benchmark send",
        template=template,
        segments=[Segment.objects.get(pk=segment_id)],
        from_email="news@bench.test",
        rate_per_second=services.MAX_RATE_PER_SECOND,
        batch_size=500,
    )
    services.send_start(actor=marketer, send=send)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # peak resident size from here on
    started = time.perf_counter()
    handled = 0
    peak_at_10 = None
    while True:
        result = engine.send_batch_run(send_id=send.pk)
        handled += result.sent + result.skipped + result.failed + result.uncertain
        if peak_at_10 is None and handled >= contacts / 10:
            peak_at_10 = _status_mb("VmHWM")
        if not result.has_more:
            break
    seconds = time.perf_counter() - started
    peak_at_100 = _status_mb("VmHWM")
    progress = send_progress(send=send)
    yield Figure(NAME, "recipients", progress.total, "contacts")
    yield Figure(NAME, "sent", progress.sent, "messages")
    yield Figure(NAME, "skipped", progress.skipped, "contacts")
    yield Figure(NAME, "seconds", round(seconds, 2), "s")
    yield Figure(NAME, "messages_per_hour", round(progress.sent / seconds * 3600), "messages/h")
    yield Figure(NAME, "peak_memory_at_10pct", peak_at_10 or 0.0, "MB")
    yield Figure(NAME, "peak_memory_at_100pct", peak_at_100, "MB")
