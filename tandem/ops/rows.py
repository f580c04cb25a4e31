"""Rows written without the ORM's query compiler: one row on the paths that run on every
touch, and many rows as plain tuples for the bulk writers (the import, the demo).

``Model.objects.create`` and ``save(update_fields=…)`` spend several times longer building their
statement than the database spends running it. A touch that hands a lead off writes six rows, so
that path writes them here: the values are prepared by the model's own fields (``pre_save`` for
``auto_now``, ``get_db_prep_save`` for the database's form, JSON included) exactly as the ORM
prepares them, and each statement's text is built once per model and column list.

No model signals are sent (Tandem connects none to these models), and the instance must be
complete: nothing here validates it.

Many rows (``ids_reserve``, ``tuples_insert``, ``tuples_update``, ``values_in``): the ORM's
``bulk_create`` prepares every value of every row in Python and cannot return the new ids on
SQLite; a writer of a million rows reserves the ids first and hands plain tuples over, which go
in with ``COPY`` on PostgreSQL and ``executemany`` on SQLite, never a query per row. Column
names come from the models, so a renamed field breaks loudly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar, overload

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Expression, Field, Model

M = TypeVar("M", bound=Model)

# Statement text by (kind, vendor, table, columns). Only model-given names are formatted in.
_statements: dict[tuple[Any, ...], str] = {}


def _quote(name: str | None) -> str:
    return connection.ops.quote_name(str(name))


def _insert_fields(obj: Model) -> list[Field]:
    return [
        f
        for f in obj._meta.concrete_fields
        if not getattr(f, "generated", False)
        and not (f.primary_key and getattr(obj, f.attname) is None)
    ]


def _values(obj: Model, fields: Sequence[Field], *, add: bool) -> list[Any] | None:
    # The connection itself, not the thread-local proxy: each field asks for it.
    conn = connections[DEFAULT_DB_ALIAS]
    values = [f.get_db_prep_save(f.pre_save(obj, add), conn) for f in fields]
    # A field left to its database default (``db_default``): the ORM's path knows how.
    if any(isinstance(v, Expression) for v in values):
        return None
    return values


def row_insert(obj: M) -> M:
    """Insert ``obj`` as ``obj.save()`` would (its primary key is set on it)."""
    fields = _insert_fields(obj)
    values = _values(obj, fields, add=True)
    if values is None:
        obj.save(force_insert=True)
        return obj
    meta = obj._meta
    key = ("insert", connection.vendor, meta.db_table, tuple(f.column for f in fields))
    sql = _statements.get(key)
    if sql is None:
        sql = _statements[key] = (
            f"INSERT INTO {_quote(meta.db_table)} ({', '.join(map(_quote, key[3]))}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {_quote(meta.pk.column)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        setattr(obj, meta.pk.attname, cursor.fetchone()[0])
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def rows_insert(objs: Iterable[Model]) -> None:
    """Insert instances of one model in one statement (their primary keys are not read back)."""
    objs = list(objs)
    if not objs:
        return
    meta = objs[0]._meta
    fields = _insert_fields(objs[0])
    rows = [_values(obj, fields, add=True) for obj in objs]
    if any(row is None for row in rows):
        type(objs[0])._default_manager.bulk_create(objs)
        return
    one = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {_quote(meta.db_table)} ({', '.join(_quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([one] * len(rows))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for row in rows if row is not None for v in row])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def row_update(obj: Model, fields: Iterable[str]) -> None:
    """``obj.save(update_fields=fields)`` for a row that exists; ``auto_now`` fields named in
    ``fields`` are set to now, as the ORM sets them."""
    meta = obj._meta
    chosen: list[Field] = [meta.get_field(name) for name in dict.fromkeys(fields)]  # type: ignore[misc]
    conn = connections[DEFAULT_DB_ALIAS]
    values = [f.get_db_prep_save(f.pre_save(obj, False), conn) for f in chosen]
    key = ("update", connection.vendor, meta.db_table, tuple(f.column for f in chosen))
    sql = _statements.get(key)
    if sql is None:
        sql = _statements[key] = (
            f"UPDATE {_quote(meta.db_table)} SET "  # noqa: S608
            f"{', '.join(f'{_quote(c)} = %s' for c in key[3])} "
            f"WHERE {_quote(meta.pk.column)} = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])


@overload
def datetime_from_db(value: None) -> None: ...
@overload
def datetime_from_db(value: Any) -> dt.datetime: ...
def datetime_from_db(value: Any) -> dt.datetime | None:
    """A datetime column read by a plain cursor, made aware: PostgreSQL gives it aware, SQLite
    as UTC (a naive datetime or its text)."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# --- Many rows as tuples --------------------------------------------------------------------

# Rows per ``executemany`` on SQLite.
BATCH = 5_000


def ids_reserve(model: type[Model], count: int) -> list[int]:
    """``count`` primary keys nobody else will get. Call inside the writer's transaction (on
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
        cursor.execute(f"SELECT MAX(id) FROM {_quote(table)}")  # noqa: S608
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
    """How one field's values are prepared: as they are, or by the field (memoised: a bulk
    writer stamps every row of a chunk with the same time)."""
    if f.get_internal_type() in _AS_IS:
        return None
    conn = connections[DEFAULT_DB_ALIAS]
    memo: dict[Any, Any] = {}
    is_json = f.get_internal_type() == "JSONField"
    empty = (
        {"dict": f.get_db_prep_save({}, conn), "list": f.get_db_prep_save([], conn)}
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
) -> Iterator[Sequence[Any]]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    converters = [_converter(by_attname[name]) for name in fields]
    pairs = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    if not pairs:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for i, convert in pairs:
            values[i] = convert(values[i])
        yield values


def _columns(model: type[Model], fields: Sequence[str]) -> list[str]:
    column_of = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    return [_quote(column_of[f]) for f in fields]


def tuples_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool = False,
) -> int:
    """Insert ``rows`` (values in the order of ``fields``, attribute names); returns the count.
    ``prepared``: the values are already in the database's form (as ``get_db_prep_save`` gives
    them); otherwise the model's fields prepare them (JSON, datetimes, decimals)."""
    columns = ", ".join(_columns(model, fields))
    table = _quote(model._meta.db_table)
    values = rows if prepared else _prepared(model, fields, rows)
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows: several times faster than INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
                    total += 1
            return total
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        batch: list[Sequence[Any]] = []
        for row in values:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                total, batch = total + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def tuples_update(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool = False,
) -> int:
    """``UPDATE … SET fields WHERE id = …`` for each row (its values, then its id), in
    batches; returns the count. ``prepared`` as for ``tuples_insert``."""
    assignments = ", ".join(f"{column} = %s" for column in _columns(model, fields))
    sql = f"UPDATE {_quote(model._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rows = list(rows)
    values = (
        (row[:-1] for row in rows)
        if prepared
        else _prepared(model, fields, (row[:-1] for row in rows))
    )
    batch = [(*value, row[-1]) for value, row in zip(values, rows, strict=True)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(batch) >= _COPY_UPDATE_FROM:
            _update_by_copy(cursor, model, fields, batch)
            return len(batch)
        for start in range(0, len(batch), BATCH):
            cursor.executemany(sql, batch[start : start + BATCH])
    return len(batch)


# Rows from which an update on PostgreSQL goes through a copied temporary table: one
# statement for them all instead of one a row.
_COPY_UPDATE_FROM = 200


def _update_by_copy(cursor: Any, model: type[Model], fields: Sequence[str], batch: list) -> None:
    """PostgreSQL: the new values copied into a temporary table shaped as the model's
    columns, then one ``UPDATE … FROM`` it."""
    table = _quote(model._meta.db_table)
    columns = _columns(model, fields)
    scratch = "tandem_tuples_update"
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{scratch}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {scratch} AS "  # noqa: S608 — model-given names only
        f"SELECT id, {', '.join(columns)} FROM {table} WITH NO DATA"
    )
    with cursor.cursor.copy(f"COPY {scratch} (id, {', '.join(columns)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row((row[-1], *row[:-1]))
    assignments = ", ".join(f"{column} = u.{column}" for column in columns)
    cursor.execute(
        f"UPDATE {table} AS t SET {assignments} FROM {scratch} AS u WHERE t.id = u.id"  # noqa: S608
    )
    cursor.execute(f"DROP TABLE {scratch}")


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
    lookup preparation (a bulk writer asks for thousands of keys at a time). ``extra``: more
    SQL for the WHERE clause, with its ``params``. JSON and datetimes come back as the ORM
    gives them."""
    keys = list(keys)
    if not keys:
        return []
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    columns = ", ".join(_columns(model, fields))
    column = _quote(str(by_attname[key].column))
    if connection.vendor == "postgresql":
        # One array parameter, not thousands of placeholders (psycopg binds client-side,
        # splitting the statement by its placeholders in Python).
        where, values = f"{column} = ANY(%s)", [keys]
    else:
        where, values = f"{column} IN ({', '.join(['%s'] * len(keys))})", keys
    sql = f"SELECT {columns} FROM {_quote(meta.db_table)} WHERE {where} {extra}"  # noqa: S608
    readers = [_reader(by_attname[f]) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])
        found = cursor.fetchall()
    if not any(readers):
        return [dict(zip(fields, row, strict=True)) for row in found]
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
        conn = connections[DEFAULT_DB_ALIAS]
        return lambda value: f.from_db_value(value, None, conn)
    if kind == "DateTimeField":
        return datetime_from_db
    if kind == "DecimalField":
        return lambda value: None if value is None else Decimal(str(value))
    if kind == "DateField":
        return lambda value: (
            value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)
        )
    return None
