"""One row written without the ORM's query compiler, for the paths that run on every touch.

``Model.objects.create`` and ``save(update_fields=…)`` spend several times longer building their
statement than the database spends running it. A touch that hands a lead off writes six rows, so
that path writes them here: the values are prepared by the model's own fields (``pre_save`` for
``auto_now``, ``get_db_prep_save`` for the database's form, JSON included) exactly as the ORM
prepares them, and each statement's text is built once per model and column list.

No model signals are sent (Tandem connects none to these models), and the instance must be
complete: nothing here validates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
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
