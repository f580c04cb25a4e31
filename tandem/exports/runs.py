"""Building a company export on the worker: the zip in the data folder, progress on the row."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from tandem.exports.company import company_export_write
from tandem.exports.models import CompanyExport

log = logging.getLogger(__name__)


def exports_folder() -> Path:
    """Where finished company exports are kept: ``exports/`` in the data folder."""
    folder = Path(settings.DATA_DIR) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def company_export_path(export: CompanyExport) -> Path | None:
    """The export's zip on disk, if it was built and is still there."""
    if not export.file_name:
        return None
    path = exports_folder() / export.file_name
    return path if path.is_file() else None


def company_export_run(*, export: CompanyExport) -> CompanyExport:
    """Build the export's zip (the worker's side), reporting progress on the row."""
    CompanyExport.objects.filter(pk=export.pk).update(status=CompanyExport.Status.RUNNING)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"tandem-export-{stamp}-{export.pk}.zip"
    partial = exports_folder() / f"{name}.partial"

    def progress(done: int, total: int, step: str) -> None:
        CompanyExport.objects.filter(pk=export.pk).update(
            progress=min(99, done * 100 // max(total, 1)), step=step[:200]
        )

    try:
        manifest = company_export_write(partial, progress=progress, snapshot=False)
    except Exception as exc:  # the row tells the admin; the log keeps the traceback
        log.exception("company export %s failed", export.pk)
        partial.unlink(missing_ok=True)
        _finish(export, status=CompanyExport.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        return export
    final = partial.with_name(name)
    partial.replace(final)
    _finish(
        export,
        status=CompanyExport.Status.DONE,
        file_name=name,
        size_bytes=final.stat().st_size,
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        progress=100,
        step="",
    )
    return export


def _finish(export: CompanyExport, **fields: Any) -> None:
    fields["finished_at"] = timezone.now()
    for key, value in fields.items():
        setattr(export, key, value)
    export.save(update_fields=list(fields))
