"""Rows written many at a time: ids reserved up front, ``COPY`` on PostgreSQL, ``executemany``
on SQLite; never a query per row.

The ORM's ``bulk_create`` prepares every value of every row in Python and cannot return the
new ids on SQLite; an import needs the ids (for its undo records and lifecycle moves) and
writes up to a million rows, so it reserves them first, as the demo's writer does. Column
names come from the models, values are prepared by the models' own fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

from tandem.ops.rows import datetime_from_db

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


# Field types whose Python values the database drivers take as they are.
_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "URLField",
    }
)


def _converter(f: Any) -> Any:
    """How one field's values are prepared: as they are, or by the field (memoised: an
    import stamps every row of a chunk with the same time)."""
    if f.get_internal_type() in _AS_IS:
        return None
    # The connection itself, not the thread-local proxy each access would go through.
    conn = connections[DEFAULT_DB_ALIAS]
    memo: dict[Any, Any] = {}
    is_json = f.get_internal_type() == "JSONField"
    empty = (
        {"dict": f.get_db_prep_save({}, connection), "list": f.get_db_prep_save([], connection)}
        if is_json
        else {}
    )

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dict | list):
            if not value and is_json:
                return empty[type(value).__name__]
            return f.get_db_prep_save(value, conn)
        try:
            return memo[value]
        except KeyError:
            prepared = memo[value] = f.get_db_prep_save(value, conn)
            if len(memo) > 10_000:
                memo.clear()
            return prepared
        except TypeError:
            return f.get_db_prep_save(value, conn)

    return convert


def _prepared(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterator[tuple]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    converters = [_converter(by_attname[name]) for name in fields]
    if not any(converters):
        for row in rows:
            yield tuple(row)
        return
    pairs = list(enumerate(converters))
    for row in rows:
        values = list(row)
        for i, convert in pairs:
            if convert is not None:
                values[i] = convert(values[i])
        yield tuple(values)


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


def values_in(
    model: type[Model],
    fields: Sequence[str],
    key: str,
    keys: Iterable[Any],
    *,
    extra: str = "",
    params: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """``model.objects.filter(key__in=keys).values(*fields)`` without the ORM's per-value
    lookup preparation (a chunk asks for 5,000 keys at a time). ``extra``: more SQL for the
    WHERE clause, with its ``params``. JSON and datetimes come back as the ORM gives them."""
    keys = list(keys)
    if not keys:
        return []
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(by_attname[f].column)) for f in fields)
    sql = (
        f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608
        f"WHERE {quote(str(by_attname[key].column))} IN ({', '.join(['%s'] * len(keys))}) {extra}"
    )
    readers = [_reader(by_attname[f]) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys, *params])
        found = cursor.fetchall()
    return [
        {
            name: (read(value) if read else value)
            for name, read, value in zip(fields, readers, row, strict=True)
        }
        for row in found
    ]


def _reader(f: Any) -> Any:
    kind = f.get_internal_type()
    if kind == "JSONField":
        return lambda value: f.from_db_value(value, None, connection)
    if kind == "DateTimeField":
        return datetime_from_db
    if kind == "DecimalField":
        return lambda value: None if value is None else Decimal(str(value))
    if kind == "DateField":
        return lambda value: (
            value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)
        )
    return None
