"""The import's use cases: upload, look, configure, dry run, start, undo, presets, problems.

Every door (the wizard, ``/api/v1/imports``, ``tandem import``) calls these. Each checks the
permission matrix (``contact_import``, ``account_import``, ``deal_import``: admins import
anything, marketing managers contacts and accounts, sales managers all three; only the one who
uploaded, or an admin, changes a job), writes the audit trail, and raises
``InvalidInput({field: message})`` for bad input.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import get_valid_filename

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.imports import configuring
from tandem.imports.dates import date_order_detect
from tandem.imports.models import ImportJob, ImportPreset, ObjectType
from tandem.imports.presets import mapping_suggest, preset_pick
from tandem.imports.reading import file_detect, rows_read
from tandem.imports.running import DryRun, detected_of, dry_run, file_path
from tandem.imports.tasks import import_run_task
from tandem.imports.undo import job_undo, undo_problem

MAX_UPLOAD = 2 * 1024**3  # bytes; a file this large is refused before it is kept
_COPY_BLOCK = 1 << 20


def _resource(object_type: str) -> str:
    return f"{object_type.removesuffix('s')}_import"


def _store(file: Any, filename: str) -> tuple[Path, int]:
    """Stream the upload to the data folder, block by block; its path and size."""
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{get_valid_filename(Path(filename).name)[-80:] or 'file'}"
    size = 0
    blocks = (
        file.chunks(_COPY_BLOCK)
        if hasattr(file, "chunks")
        else iter(lambda: file.read(_COPY_BLOCK), b"")
    )
    with open(path, "wb") as out:
        for block in blocks:
            size += len(block)
            if size > MAX_UPLOAD:
                out.close()
                path.unlink(missing_ok=True)
                raise InvalidInput.field("file", "the file is larger than 2 GB")
            out.write(block)
    return path, size


def import_upload(*, user: Any, file: Any, filename: str, object_type: str) -> ImportJob:
    """Keep the file, find its format, encoding, delimiter, header and date order, and
    suggest a mapping from the preset whose columns match best."""
    if object_type not in ObjectType.values:
        raise InvalidInput.field("object_type", f"use one of {', '.join(ObjectType.values)}")
    policies.require(user, "create", _resource(object_type))
    path, size = _store(file, filename or "upload.csv")
    try:
        detected = file_detect(path, filename or "")
        date_order = date_order_detect(rows_read(path, detected))
    except InvalidInput:
        path.unlink(missing_ok=True)
        raise
    preset = preset_pick(object_type, detected.headers)
    job = ImportJob.objects.create(
        object_type=object_type,
        filename=(filename or path.name)[:255],
        stored_path=str(path.relative_to(Path(settings.DATA_DIR))),
        file_size=size,
        file_format=detected.file_format,
        encoding=detected.encoding,
        has_bom=detected.has_bom,
        delimiter=detected.delimiter,
        header_line=detected.header_line,
        headers=detected.headers,
        date_order=date_order,
        preset=preset.key if preset else "",
        mapping=mapping_suggest(object_type, detected.headers, preset),
        value_maps=dict(preset.value_maps) if preset else {},
        created_by=user,
    )
    audit.record_created(actor=user, obj=job, via="import")
    return job


def import_describe(*, job: ImportJob) -> str:
    """What was found in the file, for people ("UTF-16 with BOM, separated by tabs; dates
    read as day/month/year")."""
    return configuring.describe(job)


def import_preview(*, job: ImportJob, rows: int = 20) -> list[dict[str, str]]:
    """The first rows as read: {header: cell} each, with ``_line``."""
    preview = []
    for row in rows_read(file_path(job), detected_of(job)):
        preview.append({"_line": str(row.line), **dict(zip(job.headers, row.cells, strict=True))})
        if len(preview) >= rows:
            break
    return preview


def import_values_to_map(*, job: ImportJob) -> dict[str, list[tuple[str, str, int]]]:
    """For each mapped target that takes a value table (lifecycle stage, deal stage, owner):
    the file's distinct values with the Tandem value suggested and how often each appears."""
    return configuring.values_to_map(job)


def import_configure(
    *,
    user: Any,
    job: ImportJob,
    mapping: dict[str, str],
    value_maps: dict[str, dict[str, str]] | None = None,
    mode: str = "create_and_update",
    blanks_overwrite: bool = False,
    date_order: str | None = None,
) -> ImportJob:
    """Set how the file maps onto Tandem; ``new_custom:<kind>`` targets become custom fields
    labelled as their column. A date order not given is detected from the mapped dates."""
    policies.require(user, "change", job.resource, job)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.CONFIGURED):
        raise InvalidInput.field("job", f"this import is {job.get_status_display().lower()}")
    with transaction.atomic():
        before = audit.snapshot(job)
        configuring.configure(
            user=user,
            job=job,
            mapping=mapping,
            value_maps=value_maps or {},
            mode=mode,
            blanks_overwrite=blanks_overwrite,
            date_order=date_order,
        )
        job.status = ImportJob.Status.CONFIGURED
        job.save()
        audit.record_updated(actor=user, obj=job, before=before, via="import")
    return job


def import_dry_run(*, user: Any, job: ImportJob) -> DryRun:
    """What the import would do, without writing anything."""
    policies.require(user, "change", job.resource, job)
    if job.status != ImportJob.Status.CONFIGURED:
        raise InvalidInput.field("job", "map the columns first")
    configuring.archived_mapped_check(job)
    return dry_run(job, user)


def import_start(*, user: Any, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue the import for the worker (after commit); a failed or stopped one resumes from
    its cursor. ``enqueue=False`` leaves it to the caller to run (``tandem import`` runs it in
    its own process with ``running.job_run``)."""
    policies.require(user, "change", job.resource, job)
    resumable = (ImportJob.Status.FAILED, ImportJob.Status.RUNNING, ImportJob.Status.QUEUED)
    if job.status != ImportJob.Status.CONFIGURED and job.status not in resumable:
        raise InvalidInput.field("job", f"this import is {job.get_status_display().lower()}")
    configuring.archived_mapped_check(job)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, error="")
        audit.record_changes(
            actor=user, obj=job, changes={"status": [job.status, "queued"]}, via="import"
        )
        job_id = job.pk
        if enqueue:
            transaction.on_commit(lambda: import_run_task.enqueue(job_id))
    job.refresh_from_db()
    return job


def import_undo(*, user: Any, job: ImportJob) -> ImportJob:
    """Remove what the import created and restore what it changed; ``InvalidInput`` naming
    the record when something newer depends on it. A record it updated that someone changed
    since is left as it is, named with why in ``job.undo_notes``."""
    policies.require(user, "change", job.resource, job)
    if job.status != ImportJob.Status.DONE:
        raise InvalidInput.field("job", "only a finished import can be undone")
    problem = undo_problem(job)
    if problem:
        raise InvalidInput.field("job", f"cannot undo: {problem}")
    job_undo(job, user)
    return job


def import_preset_save(*, user: Any, job: ImportJob, name: str) -> ImportPreset:
    """Keep the job's mapping and value tables under ``name`` for the next file of its kind."""
    policies.require(user, "change", job.resource, job)
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "give the preset a name")
    if len(name) > 100:
        raise InvalidInput.field("name", "must be at most 100 characters")
    with transaction.atomic():
        preset, created = ImportPreset.objects.update_or_create(
            object_type=job.object_type,
            name=name,
            defaults={"mapping": job.mapping, "value_maps": job.value_maps, "created_by": user},
        )
        if created:
            audit.record_created(actor=user, obj=preset, via="import")
    return preset


def import_preset_apply(*, user: Any, job: ImportJob, preset: ImportPreset) -> ImportJob:
    """Use a saved preset's mapping (for the columns this file has) and value tables."""
    policies.require(user, "change", job.resource, job)
    if preset.object_type != job.object_type:
        raise InvalidInput.field("preset", f"this preset is for {preset.object_type}")
    job.mapping = {h: preset.mapping.get(h, "") for h in job.headers}
    job.value_maps = dict(preset.value_maps)
    job.save(update_fields=["mapping", "value_maps"])
    return job


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_safe(value: str) -> str:
    # OWASP CSV injection: a spreadsheet must not run a value as a formula.
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def import_problems_csv(*, job: ImportJob) -> Iterator[str]:
    """The job's problems as CSV lines (line, column, value, reason), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(["line", "column", "value", "reason", "row imported"])
    for problem in job.problems.order_by("line", "id").iterator(chunk_size=2000):
        yield line(
            [
                problem.line,
                _cell_safe(problem.column),
                _cell_safe(problem.value),
                problem.reason,
                "no" if problem.is_row_skipped else "yes",
            ]
        )
