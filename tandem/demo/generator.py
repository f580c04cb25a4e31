"""``tandem demo``: a believable B2B company, deterministic by seed, fast enough for a million.

Kestrel Industrial IoT sells sensors, gateways and software to European industry. Its
marketing team runs campaigns over the last ``months`` months; contacts arrive through them,
engage, qualify, are handed to two regional sales teams who accept or reject them; deals move
through the default pipeline and are won or lost; customers buy again.

How it is built:

- The staff are created through ``tandem.access.services`` and the campaigns, forms and the
  default pipeline are ordinary records (``tandem.demo.company``).
- Contacts come in chunks of ``CHUNK_CONTACTS``. Each chunk is simulated in memory by
  ``tandem.demo.journey`` (``simulation.ChunkSimulation``) — replaying the relay's rules touch
  by touch, so scores, MQL moves, hand-offs and attribution agree — and written with batched
  inserts (``tandem.demo.writer``).
  The per-record services would take days for a million contacts; only one chunk is ever
  held in memory.
- Every chunk has its own random stream (seed, size, chunk number), so the data depend only on
  ``seed``, ``contacts``, ``months`` and the clock: everything is dated back from the top of
  the current hour (or the ``now`` given), and nothing lies in the future. The same seed in
  the same hour gives the same company; names and email addresses never depend on the clock.

Transactions: the fixed records are made in one transaction, then **each chunk is written in
its own transaction**. A failure (or Ctrl-C) leaves only whole chunks behind, and running the
same command again resumes: a chunk whose first contact exists is skipped, so a re-run with the
same seed never duplicates anything. A database holding other contacts is refused (use
``--if-empty`` to keep it). The single audit entry summarising the load is written at the end,
only by a run that wrote something.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.access.models import User
from tandem.access.roles import Role
from tandem.audit.models import AuditEntry
from tandem.core.seller import Seller
from tandem.demo import catalog, company
from tandem.demo.extras import extras_run
from tandem.demo.extras.context import DemoContext
from tandem.demo.journey.base import chunk_sizes
from tandem.demo.journey.simulation import ChunkSimulation
from tandem.demo.naming import Namer
from tandem.demo.writer import RowWriter, chunk_write
from tandem.handoff.models import Lead
from tandem.people.models import Contact
from tandem.sales.models import Deal

TABLES = (
    "accounts",
    "contacts",
    "touches",
    "form_submissions",
    "consents",
    "lifecycle_moves",
    "leads",
    "deals",
    "deal_stage_moves",
)


class DemoRefused(Exception):
    """The database holds contacts that are not this demo; nothing was written."""


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    team: str
    job: str
    password: str


@dataclass
class DemoResult:
    """What a run did: rows written per table, and chunks skipped because they existed."""

    seed: int
    contacts: int
    months: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    chunks_written: int = 0
    chunks_skipped: int = 0
    extras_finished: bool = False  # this run wrote the areas' extras (and the summary)


def _seed_text(seed: int, contacts: int) -> str:
    return f"tandem-demo:{seed}:{contacts}"


def first_email(*, seed: int, contacts: int) -> str:
    """The address of the demo's first contact: how a database is recognised as this demo."""
    world = company.world_placeholder(seed=seed, contacts=contacts)
    namer = Namer(_seed_text(seed, contacts))
    size = chunk_sizes(contacts)[0]
    return ChunkSimulation(world, namer, 0, size).layout().contacts[0].email


def demo_generate(
    *,
    seed: int = 7,
    contacts: int = 3000,
    months: int = 18,
    now: dt.datetime | None = None,
    progress: bool = False,
    on_chunk: Callable[[int], None] | None = None,
    extras: bool = True,
) -> DemoResult:
    """Fill the database with the demo company, or finish an interrupted run of the same seed.

    Raises ``DemoRefused`` when the database already holds contacts of another origin.
    """
    if contacts < 1 or months < 1:
        raise ValueError("contacts and months must be at least 1")
    # The story is dated back from the top of the hour: two runs within the hour are identical.
    now = (now or timezone.now().replace(minute=0, second=0)).replace(microsecond=0)
    result = DemoResult(seed=seed, contacts=contacts, months=months)
    if Contact.objects.exists():
        marker = first_email(seed=seed, contacts=contacts)
        if not Contact.objects.filter(email=marker).exists():
            raise DemoRefused(
                f"the database already has {Contact.objects.count()} contacts that are not this "
                f"demo (seed {seed}, {contacts} contacts); use an empty database, the same "
                "--seed and --contacts as before, or --if-empty"
            )
    with transaction.atomic():
        world = company.world_build(seed=seed, contacts=contacts, months=months, now=now)
    namer = Namer(_seed_text(seed, contacts))
    writer = RowWriter()
    bar = _progress_bar(contacts, enabled=progress)
    try:
        for number, size in enumerate(chunk_sizes(contacts)):
            simulation = ChunkSimulation(world, namer, number, size)
            chunk = simulation.layout()
            if Contact.objects.filter(email=chunk.contacts[0].email).exists():
                result.chunks_skipped += 1
            else:
                simulation.simulate()
                with transaction.atomic():
                    written = chunk_write(chunk, world, writer)
                for table, n in written.items():
                    result.counts[table] += n
                result.chunks_written += 1
            bar.update(size)
            if on_chunk is not None:
                on_chunk(number)
    finally:
        bar.close()
    # The summary is written last, in the extras' transaction: without it an earlier run
    # stopped after its chunks (say, killed during the extras), and this run finishes the job.
    finished = AuditEntry.objects.filter(
        record_type="demo.dataset", record_id=f"seed-{seed}"
    ).exists()
    if result.chunks_written or not finished:
        _statistics_refresh()
        with transaction.atomic():
            _reps_mark_last_lead()
            context = DemoContext(seed=seed, contacts=contacts, months=months, now=now)
            written = extras_run(context) if extras else {}
            _deals_dated()
            for table, n in written.items():
                result.counts[table] = result.counts.get(table, 0) + n
            _audit_summary(result)
            result.extras_finished = True
    return result


def _deals_dated() -> None:
    """A deal's ``updated_at`` on the demo's own clock (its close, else its opening), not the
    wall clock its plain INSERTs and bulk updates stamped."""
    Deal.objects.update(updated_at=Coalesce("closed_at", "created_at"))


def _statistics_refresh() -> None:
    """Tell the query planner what the chunks wrote before the extras query it. PostgreSQL's
    autovacuum analyzes in its own time: planned on the statistics of empty tables, one of the
    extras' queries (each lead's first sales touch) ran for over twenty minutes at 1M contacts."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _progress_bar(total: int, *, enabled: bool):  # tqdm's type is not exported usefully
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=" contacts",
        file=sys.stderr,
        disable=not enabled,
        desc="tandem demo",
        unit_scale=True,
        mininterval=0.5,
    )


def _reps_mark_last_lead() -> None:
    """Round-robin routing reads when each rep last got a lead; keep it true to the data."""
    latest = (
        Lead.objects.filter(assigned_to__role=Role.SALES_REP)
        .values("assigned_to_id")
        .annotate(last=Max("handed_off_at"))
    )
    for row in latest:
        User.objects.filter(pk=row["assigned_to_id"]).update(last_lead_assigned_at=row["last"])


def _audit_summary(result: DemoResult) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=None,
        actor_label="tandem demo",
        action=AuditEntry.Action.CREATE,
        record_type="demo.dataset",
        record_id=f"seed-{result.seed}",
        record_label=(
            f"Demo data for {catalog.SELLER}: {result.counts['contacts']:,} contacts, "
            f"seed {result.seed}"
        )[:200],
        changes={
            "seed": [None, result.seed],
            "months": [None, result.months],
            **{table: [None, n] for table, n in result.counts.items()},
        },
    )


def demo_logins() -> list[Login]:
    """The demo's logins that exist in this database, in the order of the cast."""
    users = {
        u.username: u
        for u in User.objects.select_related("team").filter(
            username__in=[m.username for m in company.STAFF]
        )
    }
    return [
        Login(
            username=m.username,
            role=Role(m.role).label,
            team=_team_name(users[m.username]),
            job=m.job,
            password=catalog.DEMO_PASSWORD,
        )
        for m in company.STAFF
        if m.username in users
    ]


def _team_name(user: User) -> str:
    return user.team.name if user.team is not None else "—"


def seller_text(seller: Seller) -> str:
    """How to show the demo company as the seller on quotes and email footers, while none is
    configured (they name only the seller in the settings, never the demo's own company)."""
    if seller.name:
        return ""
    address = ";".join(catalog.SELLER_ADDRESS)
    return (
        "\nQuotes and email footers name the seller in TANDEM_SELLER_* (none is set). To show"
        " the demo company, start Tandem with:\n"
        f"  TANDEM_SELLER_NAME='{catalog.SELLER}' TANDEM_SELLER_ADDRESS='{address}'"
        f" TANDEM_SELLER_TAX_ID='{catalog.SELLER_TAX_ID}'\n"
    )


def logins_text(logins: list[Login]) -> str:
    """The logins as a table, with where to sign in and the public form."""
    base = str(settings.BASE_URL).rstrip("/")
    if not logins:
        return "No demo logins in this database.\n"
    head = ("username", "role", "team", "job", "password")
    rows = [head, *[(x.username, x.role, x.team, x.job, x.password) for x in logins]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return (
        "\n".join(lines)
        + f"\n\nSign in at {base}/ with any of these (password {catalog.DEMO_PASSWORD}).\n"
        + f"Public lead form: {base}/f/demo/\n"
    )
