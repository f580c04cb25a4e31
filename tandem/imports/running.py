"""Running an import: the file read in chunks of 5,000 rows, each written in one transaction
with the job's cursor, its problems, one audit entry and one segments announcement.

Crash safety: a chunk and the cursor that says it is done commit together, so a run that
stops anywhere (a killed worker, a lost database connection) is resumed by running the job
again: the rows before the cursor are passed over, none is written twice, none is lost.
Scores are computed once, after the last chunk, set-based.

The dry run is the same code inside a transaction that is rolled back: its counts, samples
and problems are exactly what the import will do (on SQLite it holds the write lock while it
runs).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from tandem.audit import events as audit
from tandem.handoff.services import contacts_rescore_for_touches
from tandem.imports.chunks import Outcome
from tandem.imports.mapping import Context, Parsed, Problem, context_build, row_parse
from tandem.imports.models import ImportJob, ImportProblem, ImportRecord, ObjectType
from tandem.imports.reading import Detected, RowRead, rows_count, rows_read
from tandem.imports.write_accounts import accounts_write
from tandem.imports.write_contacts import contacts_write
from tandem.imports.write_deals import deals_write
from tandem.ops.rows import tuples_insert
from tandem.people.hooks import INPUT_CONSENT, INPUT_CONTACT, contacts_changed_announce
from tandem.people.models import Contact

CHUNK = 5_000
# Contacts rescored at a time after the import: the rescoring holds a batch in memory.
RESCORE_BATCH = 50_000
WRITERS: dict[str, Callable[[Context, list[Parsed]], Outcome]] = {
    ObjectType.CONTACTS: contacts_write,
    ObjectType.ACCOUNTS: accounts_write,
    ObjectType.DEALS: deals_write,
}


@dataclass
class DryRun:
    """What an import would do: counts, the first rows of each kind, every problem."""

    to_create: int = 0
    to_update: int = 0
    to_skip: int = 0
    failed: int = 0
    accounts_to_create: int = 0
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def file_path(job: ImportJob) -> Path:
    return Path(settings.DATA_DIR) / job.stored_path


def detected_of(job: ImportJob) -> Detected:
    return Detected(
        file_format=job.file_format,
        encoding=job.encoding,
        has_bom=job.has_bom,
        delimiter=job.delimiter,
        header_line=job.header_line,
        headers=list(job.headers),
    )


def _chunks(job: ImportJob, skip: int) -> Iterator[list[RowRead]]:
    rows = rows_read(file_path(job), detected_of(job), skip=skip)
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk


class _Rollback(Exception):
    """Raised to undo a dry run's writes."""


def dry_run(job: ImportJob, user: Any) -> DryRun:
    """Every chunk planned and written, then rolled back."""
    total = Outcome()
    ctx = context_build(job, user)
    try:
        with transaction.atomic():
            for chunk in _chunks(job, 0):
                total.merge(WRITERS[job.object_type](ctx, [row_parse(ctx, r) for r in chunk]))
            raise _Rollback
    except _Rollback:
        pass
    return DryRun(
        to_create=total.created,
        to_update=total.updated,
        to_skip=total.skipped,
        failed=total.failed,
        accounts_to_create=total.accounts_created,
        samples=total.samples,
        problems=sorted(total.problems, key=lambda p: p.line),
    )


def _problems_store(job: ImportJob, problems: list[Problem]) -> None:
    tuples_insert(
        ImportProblem,
        ("job_id", "line", "column", "value", "reason", "is_row_skipped"),
        (
            (job.pk, p.line, p.column[:255], p.value[:200], p.reason[:500], p.is_row_skipped)
            for p in problems
        ),
    )


class Superseded(Exception):
    """Another run of the same job moved its cursor first: this one stops, writing nothing."""


def chunk_commit(ctx: Context, chunk: list[RowRead], cursor: int) -> Outcome:
    """Write one chunk, its problems, the job's counts and cursor, and one audit entry, in one
    transaction. ``cursor`` is where this run believes the job stands: if another run (a
    worker that was thought dead) moved it, the chunk is rolled back and ``Superseded``
    raised, so two runs never write the same rows."""
    job = ctx.job
    with transaction.atomic(), audit.batched():
        if connection.vendor == "postgresql":
            # The commit does not wait for the disk: a server that crashes may lose the last
            # chunks, but each with its cursor (the database stays consistent), so the run
            # that resumes writes them again, once.
            with connection.cursor() as db:
                db.execute("SET LOCAL synchronous_commit TO OFF")
        outcome = WRITERS[job.object_type](ctx, [row_parse(ctx, r) for r in chunk])
        _problems_store(job, outcome.problems)
        moved = ImportJob.objects.filter(pk=job.pk, cursor=cursor).update(
            cursor=F("cursor") + len(chunk),
            rows_done=F("rows_done") + len(chunk),
            created=F("created") + outcome.created,
            updated=F("updated") + outcome.updated,
            skipped=F("skipped") + outcome.skipped,
            failed=F("failed") + outcome.failed,
        )
        if not moved:
            raise Superseded(f"import {job.pk} is being run elsewhere")
        audit.record_changes(
            actor=ctx.user,
            obj=job,
            changes={
                "lines": [None, f"{chunk[0].line}–{chunk[-1].line}"],
                "created": [None, outcome.created],
                "updated": [None, outcome.updated],
                "skipped": [None, outcome.skipped],
                "failed": [None, outcome.failed],
                "accounts_created": [None, outcome.accounts_created],
            },
            via="import",
        )
        contacts_changed_announce(outcome.contact_ids, inputs={INPUT_CONTACT, INPUT_CONSENT})
    return outcome


def job_run(
    job_id: int,
    *,
    chunks_limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportJob | None:
    """Run (or resume) the import from its cursor. ``chunks_limit`` stops after that many
    chunks, leaving the job running, as a crash would (tests, and a worker told to yield);
    ``progress`` hears (rows done, rows in the file) after each chunk (the CLI's bar)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        if not job.rows_total:
            job.rows_total = rows_count(file_path(job), detected_of(job))
        job.save(update_fields=["status", "started_at", "rows_total"])
    ctx = context_build(job, job.created_by)
    rows_done = job.cursor
    try:
        for done, chunk in enumerate(_chunks(job, job.cursor)):
            if chunks_limit is not None and done >= chunks_limit:
                return job
            chunk_commit(ctx, chunk, rows_done)
            rows_done += len(chunk)
            if progress is not None:
                progress(rows_done, job.rows_total)
        _finish(job)
    except Superseded:
        return job
    except Exception as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(error)[:2000]
        )
        raise
    job.refresh_from_db()
    return job


def _contact_id_batches(job: ImportJob) -> Iterator[list[int]]:
    """The contacts whose scores the import may have moved, ``RESCORE_BATCH`` at a time:
    those it wrote, or (an accounts import) those of the accounts it wrote."""
    ids: QuerySet[Any, int]
    if job.object_type == ObjectType.CONTACTS:
        ids = ImportRecord.objects.filter(job=job, record_type="contact").values_list(
            "record_id", flat=True
        )
    else:
        accounts = ImportRecord.objects.filter(job=job, record_type="account").values("record_id")
        ids = Contact.objects.filter(account_id__in=accounts).values_list("pk", flat=True)
    last = 0
    while batch := list(
        ids.filter(**{f"{_key(job)}__gt": last}).order_by(_key(job))[:RESCORE_BATCH]
    ):
        last = batch[-1]
        yield batch


def _key(job: ImportJob) -> str:
    return "record_id" if job.object_type == ObjectType.CONTACTS else "pk"


def _finish(job: ImportJob) -> None:
    """Scores once, set-based, in batches (memory stays flat), then the job is done."""
    if job.object_type != ObjectType.DEALS:
        for batch in _contact_id_batches(job):
            contacts_rescore_for_touches(contact_ids=batch, hand_off=False, via="import")
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE, finished_at=timezone.now()
        )
        job.refresh_from_db()
        audit.record_changes(
            actor=job.created_by,
            obj=job,
            changes={"status": ["running", "done"], "rows": [None, job.rows_done]},
            via="import",
        )
