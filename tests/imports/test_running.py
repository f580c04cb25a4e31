"""The dry run writes nothing; a stopped import resumes without losing or doubling a row;
the worker's task runs it after commit."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tandem.audit.models import AuditEntry
from tandem.imports import running, services
from tandem.imports.models import ImportJob, ImportRecord
from tandem.imports.running import job_run
from tandem.people.models import Account, Contact, LifecycleMove
from tandem.segments import services as segments
from tests.factories import ContactFactory


def _people(count: int, *, twice: int | None = None) -> str:
    lines = ["Email,First Name,Lifecycle Stage,Company Domain Name"]
    for n in range(count):
        lines.append(f"p{n}@co{n % 3}.test,P{n},lead,co{n % 3}.test")
    if twice is not None:
        lines.append(f"p{twice}@co{twice % 3}.test,Again,lead,")
    return "\r\n".join(lines) + "\r\n"


def _configured(cast, upload, text: str) -> ImportJob:
    job = upload(text, "people.csv")
    return services.import_configure(
        user=cast.admin, job=job, mapping=job.mapping, value_maps=job.value_maps
    )


def test_the_dry_run_says_what_the_import_will_do_and_writes_nothing(cast, upload, run_import):
    # given one of the file's contacts already known, and one bad row
    ContactFactory(email="p1@co1.test", first_name="Old", account=None)
    job = _configured(cast, upload, _people(4) + "not-an-email,Bad,lead,\r\n")
    audit_before = AuditEntry.objects.count()
    # when the dry run runs
    dry = services.import_dry_run(user=cast.admin, job=job)
    # then it counts, shows the first rows of each kind and every problem
    assert (dry.to_create, dry.to_update, dry.to_skip, dry.failed, dry.accounts_to_create) == (
        3,
        1,
        0,
        1,
        3,
    )
    assert [row["email"] for row in dry.samples["create"]] == [
        "p0@co0.test",
        "p2@co2.test",
        "p3@co0.test",
    ]
    assert dry.samples["update"] == [
        {
            "line": 3,
            "email": "p1@co1.test",
            "first_name": "P1",
            "lifecycle_stage": "lead",
            "account.domain": "co1.test",
        }
    ]
    assert [(p.line, p.reason) for p in dry.problems] == [
        (6, "'not-an-email' is not a valid email address"),
        (6, "the row has no valid email address"),
    ]
    # and nothing was written
    assert Contact.objects.count() == 1
    assert Account.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert not ImportRecord.objects.exists() and not job.problems.exists()
    # and the import then does exactly that
    job = run_import(job)
    assert (job.created, job.updated, job.skipped, job.failed) == (3, 1, 0, 1)


def test_an_import_stopped_between_chunks_resumes_without_losing_or_doubling_a_row(
    cast, upload, monkeypatch
):
    # given chunks of 3 rows, and a file of 10 people with one email twice across chunks
    monkeypatch.setattr(running, "CHUNK", 3)
    job = _configured(cast, upload, _people(10, twice=1))
    services.import_start(user=cast.admin, job=job)
    # when the worker stops after two chunks (as a crash between commits would)
    job_run(job.pk, chunks_limit=2)
    job.refresh_from_db()
    assert (job.status, job.cursor, job.rows_done, job.rows_total) == ("running", 6, 6, 11)
    assert Contact.objects.count() == 6
    # and the import is started again
    services.import_start(user=cast.admin, job=job)
    job = job_run(job.pk)
    # then every row is in once, and the repeated email is one contact, reported
    assert (job.status, job.created, job.failed, job.cursor) == ("done", 10, 1, 11)
    assert Contact.objects.count() == 10
    assert ImportRecord.objects.filter(job=job, record_type="contact").count() == 10
    assert LifecycleMove.objects.count() == 10
    assert Account.objects.count() == 3
    assert [(p.line, p.reason) for p in job.problems.all()] == [
        (
            12,
            "same contact as line 3 of this file (p1@co1.test): one contact was imported, "
            "from the first line; this row was skipped",
        )
    ]
    # one audit entry per chunk, naming its counts, and one for the end
    entries = AuditEntry.objects.filter(record_type="imports.importjob", action="update")
    assert entries.count() == 1 + 2 + 4 + 1  # configured, queued twice, four chunks, done
    assert entries.filter(changes__lines__1="2–4").get().changes["created"] == [None, 3]


def test_a_chunk_that_fails_leaves_nothing_behind_and_the_job_failed(cast, upload, monkeypatch):
    monkeypatch.setattr(running, "CHUNK", 3)
    job = _configured(cast, upload, _people(6))
    services.import_start(user=cast.admin, job=job)

    def broken(ctx, rows):
        raise RuntimeError("the database went away")

    calls = {"n": 0}
    real = running.WRITERS["contacts"]

    def second_chunk_breaks(ctx, rows):
        calls["n"] += 1
        return real(ctx, rows) if calls["n"] == 1 else broken(ctx, rows)

    monkeypatch.setitem(running.WRITERS, "contacts", second_chunk_breaks)
    with pytest.raises(RuntimeError):
        job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.cursor, job.error) == ("failed", 3, "the database went away")
    assert Contact.objects.count() == 3
    # resumed, the rest goes in
    monkeypatch.setitem(running.WRITERS, "contacts", real)
    services.import_start(user=cast.admin, job=job)
    assert job_run(job.pk).created == 6
    assert Contact.objects.count() == 6


def test_import_start_runs_the_task_after_commit(cast, upload, django_capture_on_commit_callbacks):
    job = _configured(cast, upload, _people(2))
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(user=cast.admin, job=job)
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 2)


def test_the_problems_download_neutralises_formulas(cast, upload, run_import):
    job = run_import(upload("Email,First Name\r\n=cmd|x,Evil\r\n"))
    assert list(services.import_problems_csv(job=job)) == [
        "line,column,value,reason,row imported\r\n",
        "2,Email,'=cmd|x,'=cmd|x' is not a valid email address,yes\r\n",
        "2,,,the row has no valid email address,no\r\n",
    ]


def test_imported_contacts_join_their_segments_after_each_chunk(
    cast, upload, django_capture_on_commit_callbacks
):
    # given a dynamic segment of leads
    with django_capture_on_commit_callbacks(execute=True):
        leads = segments.segment_create(
            actor=cast.marketing_manager,
            name="Leads",
            rule={
                "match": "all",
                "conditions": [{"type": "lifecycle_stage", "op": "in", "values": ["lead"]}],
            },
        )
    job = _configured(cast, upload, _people(3))
    # when the import runs (each chunk's refresh happens on its commit)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(user=cast.admin, job=job)
    # then the imported leads are members
    leads.refresh_from_db()
    assert leads.member_count == 3


def test_an_excel_workbook_is_imported(cast, upload, run_import):
    book = openpyxl.Workbook()
    book.active.append(["Email", "First Name", "Create Date"])
    book.active.append(["kim@x.test", "Kim", None])
    data = io.BytesIO()
    book.save(data)
    job = run_import(upload(data.getvalue(), "people.xlsx"))
    assert (job.created, Contact.objects.get().first_name) == (1, "Kim")


def test_two_runs_of_one_import_never_write_a_row_twice(cast, upload, monkeypatch):
    # given an import whose first run stopped after one chunk (its worker thought dead)
    monkeypatch.setattr(running, "CHUNK", 2)
    job = _configured(cast, upload, _people(6))
    services.import_start(user=cast.admin, job=job)
    job_run(job.pk, chunks_limit=1)
    stale = ImportJob.objects.get(pk=job.pk)
    # when a second run finishes it, and the first wakes up and writes its next chunk
    job_run(job.pk)
    ctx = running.context_build(stale, cast.admin)
    chunk = next(running._chunks(stale, stale.cursor))
    with pytest.raises(running.Superseded):
        running.chunk_commit(ctx, chunk, stale.cursor)
    # then every contact is there once, and the counts are the second run's
    job.refresh_from_db()
    assert (job.status, job.created, job.cursor) == ("done", 6, 6)
    assert Contact.objects.count() == 6
