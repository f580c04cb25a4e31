"""Parquet for analysts: the touches, and the attribution journeys as the reports build them.

``touches.parquet`` holds every touch with its columns typed (times in UTC). The journeys are
``reports.feeders.journeys`` — one row per touch of each contact's journey, in the input format
of ``tandem.analytics``' attribution (``journey_id``, ``touched_at``, ``channel``,
``touch_kind``, ``converted``, ``value``) — once per conversion: a journey that ends at the
contact's first lead move, first deal, or first win (with its revenue as value). Both are read
in batches and written row group by row group, so memory stays flat.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from typing import Any, get_args

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import models

from tandem.people.models import Touch
from tandem.reports import feeders

BATCH = 50_000


def _arrow_type(f: models.Field) -> pa.DataType:
    if isinstance(f, models.ForeignKey | models.AutoField | models.IntegerField):
        return pa.int64()
    if isinstance(f, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(f, models.DateField):
        return pa.date32()
    if isinstance(f, models.BooleanField):
        return pa.bool_()
    if isinstance(f, models.FloatField):
        return pa.float64()
    if isinstance(f, models.DecimalField):
        return pa.decimal128(f.max_digits, f.decimal_places)
    return pa.string()


def _touch_schema() -> tuple[list[str], pa.Schema]:
    fields = list(Touch._meta.concrete_fields)
    names = [f.attname for f in fields]
    return names, pa.schema([pa.field(f.column, _arrow_type(f)) for f in fields])


def _plain(value: Any) -> Any:
    return value if not isinstance(value, dict | list) else str(value)


def _touch_batches(names: list[str], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    rows = Touch.objects.order_by("id").values_list(*names).iterator(chunk_size=BATCH)
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield _record_batch(batch, schema)
            batch.clear()
    if batch:
        yield _record_batch(batch, schema)


def _record_batch(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    arrays = [
        pa.array([_plain(v) for v in column], type=f.type)
        for column, f in zip(columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _write_member(
    archive: zipfile.ZipFile, name: str, schema: pa.Schema, batches: Iterator[pa.RecordBatch]
) -> int:
    """Write the batches as one Parquet member of the zip (through a temporary file: a
    Parquet file ends with its footer, written once every row group is known)."""
    rows = 0
    with tempfile.NamedTemporaryFile(suffix=".parquet") as spool:
        with pq.ParquetWriter(spool.name, schema, compression="zstd") as writer:
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
        archive.write(spool.name, name)
    return rows


def parquet_files_write(archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    """Write the touches and the journeys into ``archive``; what was written, for the
    manifest."""
    written = []
    names, schema = _touch_schema()
    member = "parquet/touches.parquet"
    rows = _write_member(archive, member, schema, _touch_batches(names, schema))
    written.append({"file": member, "table": Touch._meta.db_table, "rows": rows})
    db = feeders.database()
    for conversion in get_args(feeders.Conversion):
        expression = feeders.journeys(db, conversion=conversion, group_by="channel")
        reader = expression.to_pyarrow_batches(chunk_size=BATCH)
        member = f"parquet/journeys_{conversion}.parquet"
        rows = _write_member(archive, member, reader.schema, iter(reader))
        written.append(
            {
                "file": member,
                "journeys": "reports.feeders.journeys",
                "conversion": conversion,
                "group_by": "channel",
                "rows": rows,
            }
        )
    return written
