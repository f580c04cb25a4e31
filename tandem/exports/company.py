"""The whole company as one zip: a CSV per table, Parquet for analysts, and a manifest.

Enough to leave Tandem or to load a warehouse: every table of every Tandem app (their
many-to-many link tables too) as ``tables/<table>.csv`` (UTF-8, a header of column names, rows
by primary key; an empty cell is NULL or empty text; JSON columns as JSON text; times in ISO
8601 with their UTC offset; yes/no as ``true``/``false``), the touches and the attribution
journeys as ``parquet/*.parquet`` (``exports.parquet``), and ``manifest.json``: each table's
columns with a portable type, what they reference and the rows written; the Tandem version;
the migrations applied per app; when it was made.

Cells are written as they are kept, not neutralised for spreadsheets: this file is for
machines (a list downloaded from a page is for people, and is neutralised).

Never exported: password hashes, API token hashes, the capability tokens of share and survey
links, anything named like a secret (:func:`is_secret`), Django's sessions, and the data
folder's secret key, which is a file this never reads. Operational tables with nothing of the
company in them (rate counters, the clock's runs, the settings' version token) are left out.

With ``snapshot=True`` (the CLI) everything is read in one transaction (repeatable read on
PostgreSQL): the files describe one moment. The worker's run reports its progress on its row
as it goes, which a read-only snapshot cannot hold, so it reads table by table: each table's
file and count agree, and a row written meanwhile may show in one table and not in another
(the manifest says which: ``snapshot``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import tandem
from tandem.audit.events import is_secret
from tandem.exports.parquet import parquet_files_write

FORMAT = "tandem-company-export"
FORMAT_VERSION = 1
CHUNK = 5000
# Tables of machinery rather than of the company.
LEFT_OUT = frozenset({"access_ratecounter", "ops_scheduledrun", "ops_settingsversion"})

Progress = Callable[[int, int, str], None]


@dataclass
class TablePlan:
    """One table to export: its model, the columns written and those left out."""

    model: type[models.Model]
    columns: list[models.Field] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.model._meta.db_table


def tables_planned() -> list[TablePlan]:
    """Every table of Tandem's apps (link tables too), by name, with secret columns left out."""
    plans = []
    for model in apps.get_models(include_auto_created=True):
        if not model.__module__.startswith("tandem.") or model._meta.proxy:
            continue
        if model._meta.db_table in LEFT_OUT or not model._meta.managed:
            continue
        plan = TablePlan(model=model)
        for f in model._meta.concrete_fields:
            column = str(f.column)
            if is_secret(column) or isinstance(f, models.BinaryField):
                plan.omitted.append(column)
            else:
                plan.columns.append(f)
        plans.append(plan)
    return sorted(plans, key=lambda p: p.name)


_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "SmallAutoField": "integer",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "PositiveBigIntegerField": "bigint",
    "FloatField": "double",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamp with time zone",
    "TimeField": "time",
    "DurationField": "interval",
    "JSONField": "json",
    "UUIDField": "uuid",
}


def column_type(f: Any) -> str:
    """A portable SQL type for the column (``decimal(14,2)``, ``text``, ``bigint`` …)."""
    target: Any = f.target_field if isinstance(f, models.ForeignKey) else f
    if isinstance(f, models.GeneratedField):
        target = f.output_field
    kind = target.get_internal_type()
    if kind == "DecimalField":
        return f"decimal({target.max_digits},{target.decimal_places})"
    if kind == "ForeignKey":  # a key to a key
        return column_type(target)
    return _TYPES.get(kind, "text")


def _column_entry(f: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": f.column, "type": column_type(f), "nullable": f.null}
    if f.primary_key:
        entry["primary_key"] = True
    if f.is_relation and f.related_model is not None:
        entry["references"] = f"{f.related_model._meta.db_table}.{f.target_field.column}"
    if isinstance(f, models.GeneratedField):
        entry["generated"] = True
    return entry


def scrubbed(value: Any) -> Any:
    """JSON without the keys that name secrets, at any depth: the audit trail's snapshot of a
    user holds the password hash, of a token its hash."""
    if isinstance(value, dict):
        return {k: scrubbed(v) for k, v in value.items() if not is_secret(str(k))}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(scrubbed(value), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Decimal):
        return str(value)
    return value


def table_rows(plan: TablePlan) -> Iterator[tuple[Any, ...]]:
    """The table's rows as plain tuples, by primary key, read in chunks."""
    names = [f.attname for f in plan.columns]
    qs = plan.model._base_manager.order_by(plan.model._meta.pk.attname)
    return qs.values_list(*names).iterator(chunk_size=CHUNK)


def table_csv_write(plan: TablePlan, out: IO[str]) -> int:
    """Write the table as CSV to ``out``; the rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.column for f in plan.columns])
    written = 0
    batch: list[list[Any]] = []
    for row in table_rows(plan):
        batch.append([_cell(v) for v in row])
        if len(batch) >= CHUNK:
            writer.writerows(batch)
            written += len(batch)
            batch.clear()
    writer.writerows(batch)
    return written + len(batch)


def migrations_applied() -> dict[str, list[str]]:
    """The migrations applied to this database, per app, in the order they ran."""
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("applied", "id").values_list(
        "app", "name"
    ):
        applied.setdefault(app, []).append(name)
    return applied


@contextlib.contextmanager
def _one_moment(snapshot: bool) -> Iterator[None]:
    """A read transaction that sees one moment of the database throughout (if ``snapshot``)."""
    if not snapshot:
        yield
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _zip_member(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    return archive.open(zipfile.ZipInfo(name, _now_tuple()), "w", force_zip64=True)


def _now_tuple() -> tuple[int, int, int, int, int, int]:
    now = timezone.localtime()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def company_export_write(
    out: Path | IO[bytes], *, progress: Progress | None = None, snapshot: bool = True
) -> dict:
    """Write the company export zip to ``out`` (a path or a binary file); returns the manifest.

    ``progress(done, total, step)`` is called before each table and at the end; it may write
    to the database only without ``snapshot`` (one read-only transaction for everything)."""
    plans = tables_planned()
    total = len(plans) + 2  # the tables, the Parquet files, the manifest
    report = progress or (lambda done, total, step: None)
    created_at = timezone.now()
    tables = []
    with (
        _one_moment(snapshot),
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for done, plan in enumerate(plans):
            report(done, total, plan.name)
            member = f"tables/{plan.name}.csv"
            with _zip_member(archive, member) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                rows = table_csv_write(plan, text)
                text.flush()
                text.detach()
            tables.append(
                {
                    "name": plan.name,
                    "model": plan.model._meta.label,
                    "file": member,
                    "rows": rows,
                    "columns": [_column_entry(f) for f in plan.columns],
                    "omitted_columns": plan.omitted,
                }
            )
        report(len(plans), total, "parquet")
        parquet = parquet_files_write(archive)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tandem_version": tandem.__version__,
            "created_at": created_at.isoformat(),
            "database": connection.vendor,
            "snapshot": snapshot,
            "migrations": migrations_applied(),
            "tables": tables,
            "parquet": parquet,
            "csv": {
                "encoding": "utf-8",
                "header": True,
                "null": "an empty cell (NULL and empty text are not told apart)",
                "neutralised": False,
            },
            "secrets": "password hashes, API token hashes, link tokens, sessions and the "
            "secret key are never exported; each table lists the columns it left out",
        }
        report(len(plans) + 1, total, "manifest")
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    report(total, total, "done")
    return manifest
