"""Small builders for analytics tests: journeys and purchases as Arrow tables, and backends."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

START = dt.datetime(2025, 1, 6, 9, 0)
POSTGRES = os.environ.get("TANDEM_ANALYTICS_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")

Touch = tuple[str, str]  # (channel, touch_kind)


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def journeys(
    paths: Sequence[tuple[Sequence[str | Touch], bool, float]], *, hours_apart: float = 1.0
) -> pa.Table:
    """One row per touch; each path is ``([channel or (channel, kind), …], converted, value)``.

    Touches of a journey are ``hours_apart`` hours apart, starting at ``START``.
    """
    rows: dict[str, list] = {
        "journey_id": [],
        "touched_at": [],
        "channel": [],
        "touch_kind": [],
        "converted": [],
        "value": [],
    }
    for journey_id, (path, converted, value) in enumerate(paths, start=1):
        for step, touch in enumerate(path):
            channel, kind = (touch, "touch") if isinstance(touch, str) else touch
            rows["journey_id"].append(journey_id)
            rows["touched_at"].append(at(step * hours_apart))
            rows["channel"].append(channel)
            rows["touch_kind"].append(kind)
            rows["converted"].append(converted)
            rows["value"].append(value)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("journey_id", pa.int64()),
                ("touched_at", pa.timestamp("us")),
                ("channel", pa.string()),
                ("touch_kind", pa.string()),
                ("converted", pa.bool_()),
                ("value", pa.float64()),
            ]
        ),
    )


def postgres_or_none() -> BaseBackend | None:
    """A connection to the test PostgreSQL, or None when none answers quickly."""
    try:
        import psycopg

        psycopg.connect(POSTGRES, connect_timeout=2).close()
    except Exception:
        return None
    return ibis.connect(POSTGRES)


@contextlib.contextmanager
def loaded(backend: str, data: pa.Table, tmp_path: Path) -> Iterator[ibis.Table]:
    """``data`` as a table in a fresh DuckDB, SQLite or PostgreSQL database; dropped after."""
    name = f"tandem_analytics_{uuid.uuid4().hex[:12]}"
    connection: BaseBackend | None
    if backend == "duckdb":
        connection = ibis.duckdb.connect()
    elif backend == "sqlite":
        connection = ibis.sqlite.connect(str(tmp_path / "analytics.sqlite3"))
    else:
        connection = postgres_or_none()
        if connection is None:
            import pytest

            pytest.skip(f"no PostgreSQL answers at {POSTGRES}")
    assert connection is not None
    # Ibis 12's SQLite create_table(obj) emits SQL newer sqlglot cannot finish; schema + insert
    # works on every backend.
    connection.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema))
    connection.insert(name, data)
    try:
        yield connection.table(name)
    finally:
        connection.drop_table(name)
        connection.disconnect()
