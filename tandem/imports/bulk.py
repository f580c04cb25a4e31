"""Rows written many at a time: ids reserved up front, ``COPY`` on PostgreSQL, ``executemany``
on SQLite; never a query per row.

The ORM's ``bulk_create`` prepares every value of every row in Python and cannot return the
new ids on SQLite; an import needs the ids (for its undo records and lifecycle moves) and
writes up to a million rows, so it reserves them first, as the demo's writer does. Column
names come from the models, values are prepared by the models' own fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

BATCH = 5_000


def ids_reserve(model: type[Model], count: int) -> list[int]:
    """``count`` primary keys nobody else will get. Call inside the chunk's transaction (on
    SQLite it is IMMEDIATE: the write lock is held, so MAX(id) stays ours)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        base = max(highest, row[0] if row else 0) + 1
        if row is not None:
            # Keep AUTOINCREMENT's counter past our ids: a later plain INSERT never reuses one.
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [base + count - 1, table]
            )
        return list(range(base, base + count))


def _prepared(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]):
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    concrete = [by_attname[name] for name in fields]
    for row in rows:
        yield tuple(
            f.get_db_prep_save(value, connection) if value is not None else None
            for f, value in zip(concrete, row, strict=True)
        )


def rows_insert(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in the order of ``fields``, attribute names). Returns the count."""
    meta = model._meta
    column_of = {f.attname: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[f]) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in _prepared(model, fields, rows):
                    copy.write_row(row)
                    total += 1
            return total
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        batch: list[tuple] = []
        for row in _prepared(model, fields, rows):
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                total, batch = total + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def rows_update(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """``UPDATE … SET fields WHERE id = …`` for each row (its values, then its id)."""
    if not rows:
        return 0
    meta = model._meta
    column_of = {f.attname: str(f.column) for f in meta.concrete_fields}
    assignments = ", ".join(f"{connection.ops.quote_name(column_of[f])} = %s" for f in fields)
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608
        "WHERE id = %s"
    )
    values = _prepared(model, fields, (row[:-1] for row in rows))
    batch = [(*prepared, row[-1]) for prepared, row in zip(values, rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, batch)
    return len(batch)
