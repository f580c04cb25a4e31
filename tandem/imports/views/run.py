"""Doors for imports, steps 4 and 5 of the wizard: the dry run, the start, the progress and the
result (problems, their CSV), and the undo with its confirm step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.imports import choices, services
from tandem.imports.models import ImportJob
from tandem.imports.views.steps import EDITABLE, job_for, step_url

RUNNING = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
PROBLEMS_SHOWN = 200


@login_required
def import_dry_run(request, job_id: int):
    """Step 4: what the import would do, before anything is written."""
    job = job_for(request, job_id)
    if job.status not in EDITABLE:
        return redirect(step_url(job))
    if job.status == ImportJob.Status.UPLOADED:
        return redirect("imports:map", job_id=job.pk)
    dry = services.import_dry_run(user=request.user, job=job)
    mapped = [  # in the file's order (PostgreSQL's JSON keeps keys in its own)
        (header, choices.target_label(job.object_type, job.mapping[header]))
        for header in job.headers
        if job.mapping.get(header)
    ]
    names = _value_names(job)
    kinds = [
        _first_rows(job, names, "create", dry.to_create, dry.samples.get("create", [])),
        _first_rows(job, names, "update", dry.to_update, dry.samples.get("update", [])),
        _first_rows(job, names, "skip", dry.to_skip, dry.samples.get("skip", [])),
    ]
    return render(
        request,
        "imports/dry_run.html",
        {
            "job": job,
            "dry": dry,
            "kinds": kinds,
            "mapped": mapped,
            "step": 4,
            "section": "imports",
        },
    )


def _value_names(job: ImportJob) -> dict[str, dict[str, str]]:
    """How people read the mapped values of lifecycle stages, deal stages and owners: an
    owner's name rather than their id."""
    targets = {t for t in job.mapping.values() if t in ("lifecycle_stage", "stage", "owner")}
    return {t: {v: label for v, label in choices.value_choices(t) if v} for t in targets}


def _first_rows(
    job: ImportJob, names: dict[str, dict[str, str]], kind: str, count: int, rows: list[dict]
) -> dict:
    """A table of the first rows of one kind: its columns (the targets they fill, in the order
    first seen) and each row's cells as people read them."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in ("line", "note") and k not in columns]

    def shown(column: str, value: object) -> object:
        return names.get(column, {}).get(str(value), value) if value is not None else None

    return {
        "key": kind,
        "verb": kind,
        "count": count,
        "columns": [{"key": c, "label": choices.target_label(job.object_type, c)} for c in columns],
        "rows": [
            {
                "line": r.get("line"),
                "cells": [shown(c, r.get(c)) for c in columns],
                "note": r.get("note"),
            }
            for r in rows
        ],
        "has_note": any(r.get("note") for r in rows),
    }


@login_required
@require_POST
def import_start(request, job_id: int):
    job = job_for(request, job_id)
    try:
        services.import_start(user=request.user, job=job)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect(step_url(job))
    return redirect("imports:detail", job_id=job.pk)


@login_required
def import_detail(request, job_id: int):
    """Step 5: the progress while it runs (the htmx part polls), then what it did."""
    job = job_for(request, job_id)
    if request.htmx and request.GET.get("part") == "progress":
        response = render(request, "imports/_progress.html", _result(request, job))
        if job.status not in RUNNING:
            response["HX-Refresh"] = "true"  # finished: the whole page shows the result
        return response
    return render(request, "imports/detail.html", {**_result(request, job), "step": 5})


def _result(request, job: ImportJob) -> dict:
    percent = round(100 * job.rows_done / job.rows_total) if job.rows_total else 0
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.UNDONE)
    return {
        "job": job,
        "percent": percent,
        "is_running": job.status in RUNNING,
        "is_finished": finished,
        "problems": list(job.problems.all()[:PROBLEMS_SHOWN]) if finished else [],
        "problems_shown": PROBLEMS_SHOWN,
        "can_change": policies.can(request.user, "change", job.resource, job),
        "section": "imports",
    }


@login_required
def import_problems(request, job_id: int):
    """Every problem of the import as CSV: line, column, value, reason."""
    job = job_for(request, job_id)
    response = StreamingHttpResponse(
        services.import_problems_csv(job=job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    return response


@login_required
def import_undo(request, job_id: int):
    """Undo asks first; a refused undo says which newer record depends on the import."""
    job = job_for(request, job_id)
    policies.require(request.user, "change", job.resource, job)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.import_undo(user=request.user, job=job)
            left = len(job.undo_notes)
            kept = (
                f" {left} record{'s' if left != 1 else ''} changed since were left as they are."
                if left
                else ""
            )
            messages.success(request, f"Import “{job.filename}” undone.{kept}")
            return redirect("imports:detail", job_id=job.pk)
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "imports/undo.html",
        {"job": job, "errors": errors, "section": "imports"},
    )
