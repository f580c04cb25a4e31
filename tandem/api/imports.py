"""API routes for imports: upload a file, read the job, set its mapping and options, dry run,
start, follow its progress, download its problems, undo it; list and save presets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import StreamingHttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from tandem.api.schemas import ErrorOut
from tandem.imports import selectors, services
from tandem.imports.presets import PRESETS
from tandem.imports.schemas import ImportConfigIn, ObjectTypeIn, PresetSaveIn

router = Router(tags=["imports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DetectedOut(Schema):
    file_format: str
    encoding: str
    has_bom: bool
    delimiter: str
    header_line: int
    headers: list[str]
    date_order: str
    preset: str


class ImportJobOut(Schema):
    id: int
    object_type: str
    filename: str
    status: str
    error: str
    detected: DetectedOut
    mapping: dict[str, str]
    value_maps: dict[str, dict[str, str]]
    mode: str
    blanks_overwrite: bool
    rows_total: int
    rows_done: int
    created: int
    updated: int
    skipped: int
    failed: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    undone_at: dt.datetime | None
    undo_notes: list[str] = Field(
        description="The records an undo left as they were (changed since the import), and why."
    )

    @staticmethod
    def resolve_detected(obj) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in DetectedOut.model_fields}


class ValueToMapOut(Schema):
    value: str
    suggested: str
    count: int


class ProblemOut(Schema):
    line: int
    column: str
    value: str
    reason: str
    is_row_skipped: bool


class DryRunOut(Schema):
    to_create: int
    to_update: int
    to_skip: int
    failed: int
    accounts_to_create: int
    samples: dict[str, list[dict[str, Any]]] = Field(
        description="The first rows of each kind (create, update, skip), as parsed."
    )
    problems: list[ProblemOut]


class PresetOut(Schema):
    key: str
    name: str
    object_type: str
    is_built_in: bool
    mapping: dict[str, str]
    value_maps: dict[str, dict[str, str]]


def _saved_out(preset) -> dict[str, Any]:
    """A preset someone saved, shaped as the built-in ones (its key: ``saved-<id>``)."""
    return {
        "key": f"saved-{preset.pk}",
        "name": preset.name,
        "object_type": preset.object_type,
        "is_built_in": False,
        "mapping": preset.mapping,
        "value_maps": preset.value_maps,
    }


def _job(request, job_id: int):
    return selectors.import_job_get_for_user(user=request.auth, job_id=job_id)


@router.get("/imports", response=list[ImportJobOut])
@paginate(LimitOffsetPagination)
def imports_list(request):
    """The imports the caller may see, newest first."""
    return selectors.import_jobs_for_user(user=request.auth)


@router.post("/imports", response={201: ImportJobOut, **ERRORS})
def imports_upload(request, object_type: Form[ObjectTypeIn], file: File[UploadedFile]):
    """Upload a CSV or XLSX file (multipart: ``file`` and ``object_type``). The answer says
    what was detected (encoding, delimiter, header, the preset that fits) and the mapping
    suggested; the job waits for its configuration."""
    job = services.import_upload(
        user=request.auth, file=file, filename=file.name or "upload.csv", object_type=object_type
    )
    return Status(201, job)


@router.get("/imports/presets", response={200: list[PresetOut], **ERRORS})
def imports_presets(request, object_type: ObjectTypeIn):
    """The built-in presets (HubSpot, Salesforce) and the saved ones for a kind of records."""
    built_in = [
        {
            "key": p.key,
            "name": p.label,
            "object_type": p.object_type,
            "is_built_in": True,
            "mapping": p.columns,
            "value_maps": p.value_maps,
        }
        for p in PRESETS
        if p.object_type == object_type
    ]
    saved = [
        _saved_out(p)
        for p in selectors.import_presets_for(user=request.auth, object_type=object_type)
    ]
    return built_in + saved


@router.get("/imports/{job_id}", response={200: ImportJobOut, **ERRORS})
def imports_get(request, job_id: int):
    """The job: its status, progress (rows_done of rows_total) and counts; poll it while it
    is queued or running."""
    return _job(request, job_id)


@router.get("/imports/{job_id}/values", response={200: dict[str, list[ValueToMapOut]], **ERRORS})
def imports_values(request, job_id: int):
    """The values of the mapped lifecycle stage, deal stage and owner columns, each with how
    many rows have it and the Tandem value suggested: the table ``value_maps`` answers."""
    job = _job(request, job_id)
    found = services.import_values_to_map(job=job)
    return {
        target: [{"value": v, "suggested": s, "count": c} for v, s, c in rows]
        for target, rows in found.items()
    }


@router.put("/imports/{job_id}/configuration", response={200: ImportJobOut, **ERRORS})
def imports_configure(request, job_id: int, payload: ImportConfigIn):
    """Set the mapping, the value maps and the options (mode, blanks_overwrite, date_order)."""
    job = _job(request, job_id)
    config = payload.model_dump()
    config["date_order"] = config["date_order"] or None  # detected from the mapped dates
    return services.import_configure(user=request.auth, job=job, **config)


@router.post("/imports/{job_id}/dry-run", response={200: DryRunOut, **ERRORS})
def imports_dry_run(request, job_id: int):
    """What the import would create, update and skip, the first rows of each and every
    problem, with nothing written."""
    job = _job(request, job_id)
    return services.import_dry_run(user=request.auth, job=job)


@router.post("/imports/{job_id}/start", response={202: ImportJobOut, **ERRORS})
def imports_start(request, job_id: int):
    """Queue the import; poll the job for its progress."""
    job = _job(request, job_id)
    return Status(202, services.import_start(user=request.auth, job=job))


@router.post("/imports/{job_id}/undo", response={200: ImportJobOut, **ERRORS})
def imports_undo(request, job_id: int):
    """Remove the records the import created and restore the fields it changed; refused
    (422, saying which newer record depends on it) when something newer does."""
    job = _job(request, job_id)
    return services.import_undo(user=request.auth, job=job)


@router.get("/imports/{job_id}/problems.csv", response={200: None, **ERRORS})
def imports_problems(request, job_id: int):
    """Every problem as CSV: line, column, value, reason."""
    job = _job(request, job_id)
    response = StreamingHttpResponse(
        services.import_problems_csv(job=job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    return response


@router.post("/imports/{job_id}/preset", response={201: PresetOut, **ERRORS})
def imports_preset_save(request, job_id: int, payload: PresetSaveIn):
    """Save the job's mapping and value maps as a preset for the caller's next files."""
    job = _job(request, job_id)
    preset = services.import_preset_save(user=request.auth, job=job, name=payload.name)
    return Status(201, _saved_out(preset))
