"""The database half of a backup: SQLite through its online backup API, PostgreSQL through
``pg_dump -Fc`` / ``pg_restore``.

Each function takes a Django database settings dict (``settings.DATABASES["default"]`` or any
other), so a backup can be taken of, and restored into, a database the running process is not
connected to.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg

from tandem import config

Progress = Callable[[int, int, str], None]
SQLITE_PAGES_PER_STEP = 1024
# Debian keeps each PostgreSQL version's programs in its own folder here.
PG_VERSIONS = Path("/usr/lib/postgresql")


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says why and what to do."""


def database_kind(database: Mapping[str, Any]) -> str:
    """``sqlite`` or ``postgresql``, from the engine of a Django database settings dict."""
    engine = str(database.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Tandem backs up SQLite and PostgreSQL, not {engine!r}")


# ---------------------------------------------------------------------------------- SQLite


def _sqlite_path(database: Mapping[str, Any]) -> Path:
    name = str(database.get("NAME", ""))
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the SQLite database {name!r} is not a file")
    return Path(name)


def sqlite_backup(database: Mapping[str, Any], out: Path, progress: Progress) -> None:
    """Copy a live SQLite database, WAL included, to ``out`` while others read and write it.

    The copy runs through SQLite's online backup API in steps (so progress can be shown); the
    source connection holds one read transaction for the whole copy, so the steps see one
    moment of the database (everything committed before it, whether still in the WAL or
    already checkpointed) and a writer committing meanwhile neither waits nor restarts it.
    """
    source_path = _sqlite_path(database)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}")
    source = sqlite3.connect(source_path, isolation_level=None, timeout=30)
    target = sqlite3.connect(out)
    try:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()

        def step(_status: int, remaining: int, total: int) -> None:
            progress(total - remaining, total, "database")

        source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=step)
        source.execute("COMMIT")
        # The copy stands alone: one file, no WAL beside it.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def sqlite_tables(database: Mapping[str, Any]) -> list[str]:
    """The tables of a SQLite database (none when the file does not exist yet)."""
    path = _sqlite_path(database)
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return [name for (name,) in rows]


def sqlite_restore(database: Mapping[str, Any], dump: Path, progress: Progress) -> None:
    """Write the backed-up file into the target database through the backup API, which
    replaces the target's whole content (its WAL too) in one go."""
    path = _sqlite_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(path, timeout=30)
    try:

        def step(_status: int, remaining: int, total: int) -> None:
            progress(total - remaining, total, "database")

        source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=step)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def sqlite_migrations(dump: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(dump)) as db:
        return db.execute("SELECT app, name FROM django_migrations ORDER BY applied, id").fetchall()


# ------------------------------------------------------------------------------ PostgreSQL


def _pg_environ(database: Mapping[str, Any]) -> dict[str, str]:
    """libpq's environment for the database: pg_dump and pg_restore read it, and no password
    appears on a command line."""
    environ = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = database.get(key)
        if value:
            environ[variable] = str(value)
    sslmode = (database.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        environ["PGSSLMODE"] = str(sslmode)
    return environ


def pg_connect(database: Mapping[str, Any]) -> psycopg.Connection[Any]:
    kwargs = {
        "dbname": database.get("NAME"),
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    return psycopg.connect(**{k: v for k, v in kwargs.items() if v}, autocommit=True)


def pg_binary(name: str) -> str:
    """The newest ``pg_dump`` / ``pg_restore`` on the machine: ``TANDEM_PG_BIN`` if set, else
    Debian's newest ``/usr/lib/postgresql/<version>/bin``, else the PATH."""
    folders = []
    if config.env("TANDEM_PG_BIN"):
        folders.append(Path(config.env("TANDEM_PG_BIN") or ""))
    versions = sorted(
        PG_VERSIONS.glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    folders.extend(versions)
    for folder in folders:
        if (folder / name).is_file() and os.access(folder / name, os.X_OK):
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"{name} was not found: install PostgreSQL's client programs "
        "(Debian: apt-get install postgresql-client, of the server's version or newer) or set "
        "TANDEM_PG_BIN to the folder that holds them"
    )


def pg_tables(database: Mapping[str, Any]) -> list[str]:
    with contextlib.closing(pg_connect(database)) as db:
        rows = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        ).fetchall()
    return [name for (name,) in rows]


def _run_verbose(
    command: list[str], environ: dict[str, str], total: int, progress: Progress, pattern: str
) -> None:
    """Run pg_dump or pg_restore with ``--verbose``, counting the tables it names on stderr
    as progress; a failure raises with the program's own last words."""
    done = 0
    tail: list[str] = []
    with subprocess.Popen(  # noqa: S603 - a fixed program with our own arguments
        command, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            tail = [*tail[-9:], line.rstrip()]
            if re.search(pattern, line):
                done = min(done + 1, total)
                progress(done, total, "database")
        code = process.wait()
    if code != 0:
        messages = [t for t in tail if "error" in t.lower()] or tail
        raise BackupError(f"{Path(command[0]).name} failed: " + " / ".join(messages[-3:]))
    progress(total, total, "database")


def pg_backup(database: Mapping[str, Any], out: Path, progress: Progress) -> None:
    """``pg_dump -Fc`` of the database: one consistent snapshot, compressed, restorable by
    ``pg_restore`` into any PostgreSQL of the same version or newer."""
    total = max(len(pg_tables(database)), 1)
    _run_verbose(
        [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--verbose"]
        + ["--file", str(out)],
        _pg_environ(database),
        total,
        progress,
        r"dumping contents of table",
    )


def pg_restore(database: Mapping[str, Any], dump: Path, progress: Progress, *, clean: bool) -> None:
    """``pg_restore`` of a custom-format dump; with ``clean``, what is there is dropped first."""
    command = [pg_binary("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    if clean:
        command += ["--clean", "--if-exists"]
    total = max(len(pg_dump_tables(dump)), 1)
    _run_verbose(
        [*command, "--verbose", "--dbname", str(database.get("NAME")), str(dump)],
        _pg_environ(database),
        total,
        progress,
        r"processing data for table",
    )


def pg_dump_tables(dump: Path) -> list[str]:
    """The tables whose data a custom-format dump holds (its table of contents)."""
    listing = subprocess.run(  # noqa: S603 - a fixed program with our own arguments
        [pg_binary("pg_restore"), "--list", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in listing.splitlines() if " TABLE DATA " in line]


def pg_migrations(database: Mapping[str, Any]) -> list[tuple[str, str]]:
    with contextlib.closing(pg_connect(database)) as db:
        return [
            (app, name)
            for app, name in db.execute(
                "SELECT app, name FROM django_migrations ORDER BY applied, id"
            ).fetchall()
        ]


@contextlib.contextmanager
def no_file(path: Path) -> Iterator[Path]:
    """``path``, removed afterwards whatever happens."""
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
