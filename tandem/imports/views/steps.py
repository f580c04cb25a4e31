"""Doors for imports, steps 1 to 3 of the wizard: the list of imports, the upload, the column
mapping and the value tables with the options. Steps 4 and 5 are in ``run``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.imports import choices, selectors, services
from tandem.imports.dates import date_order_describe
from tandem.imports.models import ImportJob, Mode, ObjectType
from tandem.imports.presets import PRESETS, PRESETS_BY_KEY, mapping_suggest
from tandem.imports.schemas import ImportConfigIn, OptionsForm, UploadForm

EDITABLE = (ImportJob.Status.UPLOADED, ImportJob.Status.CONFIGURED)
SAMPLES = 3
DATE_ORDERS = (
    ("iso", "Year-month-day (2026-04-03)"),
    ("day_first", "Day/month/year (03/04/2026 is 3 April)"),
    ("month_first", "Month/day/year (03/04/2026 is 4 March)"),
)


def importable_types(user: Any) -> list[tuple[str, str]]:
    """The kinds of records ``user`` may import, as ``(value, label)``."""
    return [
        (value, label)
        for value, label in ObjectType.choices
        if policies.can(user, "create", f"{value.removesuffix('s')}_import")
    ]


def _require_importer(user: Any) -> list[tuple[str, str]]:
    kinds = importable_types(user)
    if not kinds:
        raise PermissionDenied("Your role may not import records.")
    return kinds


def job_for(request, job_id: int) -> ImportJob:
    """The job, if the user may see it (404 when there is none, 403 when they may not)."""
    return selectors.import_job_get_for_user(user=request.user, job_id=job_id)


def step_url(job: ImportJob) -> str:
    """Where a job continues: the mapping until configured, its page once started."""
    if job.status == ImportJob.Status.UPLOADED:
        return reverse("imports:map", args=[job.pk])
    if job.status == ImportJob.Status.CONFIGURED:
        return reverse("imports:dry_run", args=[job.pk])
    return reverse("imports:detail", args=[job.pk])


@login_required
def import_list(request):
    """Past imports, for those who may read them (leadership reads; importers also start)."""
    if not any(
        policies.can(request.user, "view", f"{value.removesuffix('s')}_import")
        for value in ObjectType.values
    ):
        raise PermissionDenied("Your role may not view imports.")
    kinds = importable_types(request.user)
    jobs = list(selectors.import_jobs_for_user(user=request.user)[:100])
    for job in jobs:
        job.next_url = step_url(job)  # type: ignore[attr-defined]
    return render(
        request, "imports/list.html", {"jobs": jobs, "kinds": kinds, "section": "imports"}
    )


@login_required
def import_new(request):
    """Step 1: the kind of records and the file."""
    kinds = _require_importer(request.user)
    errors: dict[str, str] = {}
    usual = "contacts" if ("contacts", "Contacts") in kinds else kinds[0][0]
    chosen = request.POST.get("object_type") or request.GET.get("type") or usual
    if request.method == "POST":
        try:
            form = typed_input(UploadForm, request.POST)
            upload = request.FILES.get("file")
            if upload is None:
                raise InvalidInput.field("file", "Choose a CSV or Excel file")
            job = services.import_upload(
                user=request.user,
                file=upload,
                filename=upload.name or "upload.csv",
                object_type=form.object_type,
            )
            return redirect("imports:map", job_id=job.pk)
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "imports/upload.html",
        {"kinds": kinds, "chosen": chosen, "errors": errors, "step": 1, "section": "imports"},
    )


DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
ENCODINGS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


def detected(job: ImportJob) -> list[tuple[str, str]]:
    """What was found about the file, for people: format, encoding, separator, header, preset."""
    found = [("Format", "Excel workbook (first sheet)" if job.file_format == "xlsx" else "CSV")]
    if job.file_format != "xlsx":
        bom = " with byte-order mark" if job.has_bom else ""
        found.append(("Encoding", f"{ENCODINGS.get(job.encoding, job.encoding)}{bom}"))
        found.append(("Separator", DELIMITERS.get(job.delimiter, repr(job.delimiter))))
    found.append(("Column names", f"line {job.header_line}, {len(job.headers)} columns"))
    if job.rows_total:
        found.append(("Rows", f"{job.rows_total:,}"))
    preset = PRESETS_BY_KEY.get(job.preset)
    found.append(("Looks like", preset.label if preset else "a spreadsheet of your own"))
    found.append(("Dates", date_order_describe(job.date_order).capitalize()))
    return found


def _samples(job: ImportJob) -> dict[str, list[str]]:
    """Up to three values of each column, from the first rows that have one."""
    found: dict[str, list[str]] = {header: [] for header in job.headers}
    for row in services.import_preview(job=job, rows=20):
        for header, values in found.items():
            value = str(row.get(header) or "").strip()
            if value and len(values) < SAMPLES and value not in values:
                values.append(value[:80])
    return found


def _mapping_shown(request, job: ImportJob) -> tuple[dict[str, str], str]:
    """The mapping to show and the preset it came from: the one asked for, else the job's."""
    asked = request.GET.get("preset", "")
    if asked in PRESETS_BY_KEY:
        return mapping_suggest(job.object_type, job.headers, PRESETS_BY_KEY[asked]), asked
    if asked.startswith("saved-"):
        for preset in selectors.import_presets_for(user=request.user, object_type=job.object_type):
            if f"saved-{preset.pk}" == asked:
                return {h: preset.mapping.get(h, "") for h in job.headers}, asked
    return dict(job.mapping), job.preset


def _mapping_posted(request, job: ImportJob) -> dict[str, str]:
    return {
        header: request.POST.get(f"col-{n}", "").strip() for n, header in enumerate(job.headers)
    }


@login_required
def import_map(request, job_id: int):
    """Step 2: what was found in the file, and each column's target."""
    job = job_for(request, job_id)
    if job.status not in EDITABLE:
        return redirect(step_url(job))
    errors: dict[str, str] = {}
    mapping, preset = _mapping_shown(request, job)
    if request.method == "POST":
        mapping = _mapping_posted(request, job)
        try:
            config = ImportConfigIn(
                mapping=mapping,
                value_maps=job.value_maps,
                mode=job.mode,  # type: ignore[arg-type]
                blanks_overwrite=job.blanks_overwrite,
                date_order=job.date_order,  # type: ignore[arg-type]
            )
            services.import_configure(user=request.user, job=job, **config.model_dump())
            name = request.POST.get("preset_name", "").strip()
            if request.POST.get("save_preset") and name:
                services.import_preset_save(user=request.user, job=job, name=name)
                messages.success(request, f"Preset “{name}” saved.")
            return redirect("imports:values", job_id=job.pk)
        except InvalidInput as exc:
            errors = exc.errors
    samples = _samples(job)
    rows = [
        {
            "n": n,
            "header": h,
            "samples": samples.get(h, []),
            "target": mapping.get(h, ""),
            "error": errors.get(f"mapping.{h}", ""),
        }
        for n, h in enumerate(job.headers)
    ]
    saved = selectors.import_presets_for(user=request.user, object_type=job.object_type)
    preset_options = [
        ("", "None (as suggested)"),
        *((p.key, p.label) for p in PRESETS if p.object_type == job.object_type),
        *((f"saved-{p.pk}", f"{p.name} (saved)") for p in saved),
    ]
    return render(
        request,
        "imports/map.html",
        {
            "job": job,
            "rows": rows,
            "groups": choices.target_groups(job.object_type),
            "preset_options": preset_options,
            "preset": preset,
            "detected": detected(job),
            "errors": errors,
            "step": 2,
            "section": "imports",
        },
    )


def _value_tables(job: ImportJob) -> list[dict[str, Any]]:
    """One table per mapped target with values to confirm: each file value, its count and
    the Tandem value suggested."""
    tables = []
    for target, found in services.import_values_to_map(job=job).items():
        options = choices.value_choices(target)
        # The suggestion is the job's own table's value where it has one, else the best guess.
        rows = [
            {"n": n, "source": source, "count": count, "value": suggested}
            for n, (source, suggested, count) in enumerate(found)
        ]
        label = choices.target_label(job.object_type, target)
        tables.append({"target": target, "label": label, "rows": rows, "options": options})
    return tables


def _value_maps_posted(request, tables: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        table["target"]: {
            row["source"]: request.POST.get(f"v-{table['target']}-{row['n']}", "").strip()
            for row in table["rows"]
        }
        for table in tables
    }


@login_required
def import_values(request, job_id: int):
    """Step 3: the file's lifecycle stages, deal stages and owners as Tandem values, and the
    options (create and/or update, whether blanks overwrite, the order of dates)."""
    job = job_for(request, job_id)
    if job.status not in EDITABLE:
        return redirect(step_url(job))
    errors: dict[str, str] = {}
    tables = _value_tables(job)
    options: dict[str, Any] = {
        "mode": job.mode,
        "blanks_overwrite": job.blanks_overwrite,
        "date_order": job.date_order,
    }
    if request.method == "POST":
        try:
            form = typed_input(OptionsForm, request.POST)
            options = form.model_dump()
            value_maps = _value_maps_posted(request, tables)
            for table in tables:
                for row in table["rows"]:
                    row["value"] = value_maps[table["target"]][row["source"]]
            services.import_configure(
                user=request.user,
                job=job,
                mapping=job.mapping,
                value_maps=value_maps,
                mode=form.mode,
                blanks_overwrite=form.blanks_overwrite,
                date_order=form.date_order or None,
            )
            return redirect("imports:dry_run", job_id=job.pk)
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "imports/values.html",
        {
            "job": job,
            "tables": tables,
            "options": options,
            "modes": Mode.choices,
            "date_orders": DATE_ORDERS,
            "errors": errors,
            "step": 3,
            "section": "imports",
        },
    )
