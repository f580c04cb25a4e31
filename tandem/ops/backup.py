"""``tandem backup`` and ``tandem restore``: the database, the data folder's secret and the
uploaded files in one zip with a manifest.

The zip holds ``manifest.json`` (format, Tandem's version, when, the database's kind, the
migrations applied per app, and a SHA-256 of every other member), ``database/tandem.sqlite3``
(SQLite, through its online backup API) or ``database/tandem.dump`` (PostgreSQL, ``pg_dump
-Fc``), ``secret_key`` (the data folder's secret, which signs every emailed link: unsubscribe,
survey; absent when ``TANDEM_SECRET_KEY`` comes from the environment) and ``files/…`` (the
data folder's uploads: import files, the content library).

A restore goes into an empty database and data folder (``force`` replaces what is there),
refuses a backup whose migrations this version of Tandem does not know (naming the app and
migration: upgrade first), checks every checksum before it writes anything, and puts the
secret back so that links emailed before the backup work again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from tandem import __version__, config
from tandem.ops import backup_databases as engines
from tandem.ops.backup_databases import BackupError, Progress

FORMAT = 1
MANIFEST = "manifest.json"
SECRET = "secret_key"  # noqa: S105 - the name of the secret's file, not a secret
FILES = "files/"
DUMP_NAMES = {"sqlite": "database/tandem.sqlite3", "postgresql": "database/tandem.dump"}
# Not backed up from the data folder: the database itself, collected static files (made again
# by the server) and finished exports and backups (copies of what is backed up anyway).
SKIPPED_FOLDERS = {"static", "exports", "backups"}
CHUNK = 1024 * 1024


class BackupRefused(BackupError):
    """The restore would lose data or cannot work with this version; the message says which."""


def _no_progress(_done: int, _total: int, _step: str) -> None:
    return None


@dataclass
class Place:
    """Where Tandem keeps its data: a database and a data folder."""

    database: Mapping[str, Any]
    data_dir: Path

    @classmethod
    def current(cls) -> Place:
        return cls(database=settings.DATABASES["default"], data_dir=Path(settings.DATA_DIR))


@dataclass
class Restored:
    manifest: dict[str, Any]
    files: int
    warnings: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _database_files(place: Place) -> set[Path]:
    if engines.database_kind(place.database) != "sqlite":
        return set()
    path = Path(str(place.database["NAME"])).resolve()
    return {path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")}


def uploaded_files(place: Place, *, leave_out: tuple[Path, ...] = ()) -> Iterator[Path]:
    """The data folder's files a backup carries, besides the database and the secret (and
    ``leave_out``: the backup being written and its staging folder, when inside)."""
    skip = _database_files(place) | {p.resolve() for p in leave_out}
    root = place.data_dir.resolve()
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        if here == root:
            dirs[:] = [d for d in dirs if d not in SKIPPED_FOLDERS]
        dirs[:] = sorted(d for d in dirs if here / d not in skip)
        for name in sorted(names):
            path = here / name
            if path in skip or (here == root and name == SECRET) or name.endswith(".partial"):
                continue
            if path.is_file():
                yield path


def _migrations(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in pairs:
        applied.setdefault(app, []).append(name)
    return applied


def backup_write(*, out: Path, place: Place | None = None, progress: Progress = _no_progress):
    """Write a backup zip to ``out`` (through ``out.partial``, renamed when complete) and
    return its manifest. Safe while the server serves and writes."""
    place = place or Place.current()
    kind = engines.database_kind(place.database)
    partial = out.with_name(out.name + ".partial")
    members: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tandem-backup-", dir=out.parent) as staging:
        dump = Path(staging) / Path(DUMP_NAMES[kind]).name
        if kind == "sqlite":
            engines.sqlite_backup(place.database, dump, progress)
            migrations = _migrations(engines.sqlite_migrations(dump))
        else:
            migrations = _migrations(engines.pg_migrations(place.database))
            engines.pg_backup(place.database, dump, progress)
        secret_file = place.data_dir / SECRET
        has_secret = secret_file.is_file() and not config.env("TANDEM_SECRET_KEY")
        files = list(uploaded_files(place, leave_out=(partial, Path(staging))))
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
            members.append(_add(z, dump, DUMP_NAMES[kind]))
            if has_secret:
                members.append(_add(z, secret_file, SECRET))
            for number, path in enumerate(files, start=1):
                relative = path.relative_to(place.data_dir.resolve()).as_posix()
                members.append(_add(z, path, FILES + relative))
                progress(number, len(files), "files")
            manifest = {
                "format": FORMAT,
                "tandem_version": __version__,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "database": {"kind": kind, "member": DUMP_NAMES[kind]},
                "migrations": migrations,
                "secret": "data folder" if has_secret else "environment",
                "members": members,
            }
            z.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    partial.replace(out)
    return manifest


def _add(z: zipfile.ZipFile, path: Path, name: str) -> dict[str, Any]:
    """Copy one file into the zip, hashing what was written (a file still growing is taken as
    far as it was read, and its checksum says so)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source, z.open(name, "w", force_zip64=True) as target:
        for block in iter(lambda: source.read(CHUNK), b""):
            digest.update(block)
            size += len(block)
            target.write(block)
    return {"name": name, "size": size, "sha256": digest.hexdigest()}


def manifest_read(archive: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(archive) as z:
            manifest: dict[str, Any] = json.loads(z.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise BackupRefused(f"{archive} is not a Tandem backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupRefused(
            f"{archive} is a backup of format {manifest.get('format')!r}; "
            f"this Tandem reads format {FORMAT}"
        )
    return manifest


def newer_migrations(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The migrations the backup's database had that this version of Tandem does not know."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        (app, name)
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known
    ]


def _refuse_newer(manifest: Mapping[str, Any]) -> None:
    unknown = newer_migrations(manifest)
    if unknown:
        named = ", ".join(f"{app} {name}" for app, name in unknown[:5])
        raise BackupRefused(
            f"this backup comes from a newer Tandem (version {manifest.get('tandem_version')}): "
            f"its database has migrations this version does not know: {named}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            + ". Install that version of Tandem (or newer) and restore again."
        )


def _refuse_non_empty(place: Place, kind: str) -> None:
    tables = (
        engines.sqlite_tables(place.database)
        if kind == "sqlite"
        else engines.pg_tables(place.database)
    )
    files = next(uploaded_files(place), None)
    if tables:
        raise BackupRefused(
            f"the target database is not empty ({len(tables)} tables): restore into an empty "
            "database, or pass --force to replace everything in it"
        )
    if files is not None:
        raise BackupRefused(
            f"the data folder {place.data_dir} already holds uploaded files ({files.name}): "
            "restore into an empty data folder, or pass --force to replace them"
        )


def _unpack(archive: Path, manifest: Mapping[str, Any], staging: Path, progress: Progress):
    """Every member into ``staging``, checked against the manifest's checksum."""
    members = manifest["members"]
    with zipfile.ZipFile(archive) as z:
        for number, member in enumerate(members, start=1):
            name = member["name"]
            target = (staging / name).resolve()
            if not target.is_relative_to(staging.resolve()):
                raise BackupRefused(f"the backup names a file outside its folder: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(name) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
            if _sha256(target) != member["sha256"]:
                raise BackupRefused(f"the backup is damaged: {name} does not match its checksum")
            progress(number, len(members), "checking")


def backup_restore(
    *,
    archive: Path,
    place: Place | None = None,
    force: bool = False,
    progress: Progress = _no_progress,
) -> Restored:
    """Restore a backup into the database and data folder; see the module's docstring."""
    place = place or Place.current()
    manifest = manifest_read(archive)
    kind = engines.database_kind(place.database)
    if manifest["database"]["kind"] != kind:
        raise BackupRefused(
            f"this is a backup of a {manifest['database']['kind']} database and the target is "
            f"{kind}: move between them with the company export (tandem export --all)"
        )
    _refuse_newer(manifest)
    if not force:
        _refuse_non_empty(place, kind)
    if kind == "sqlite":
        connections.close_all()  # no connection of ours holds the file while it is replaced
    place.data_dir.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tandem-restore-", dir=place.data_dir) as folder:
        staging = Path(folder)
        _unpack(archive, manifest, staging, progress)
        dump = staging / manifest["database"]["member"]
        if kind == "sqlite":
            engines.sqlite_restore(place.database, dump, progress)
        else:
            engines.pg_restore(place.database, dump, progress, clean=force)
        files = 0
        for member in manifest["members"]:
            name = member["name"]
            if name.startswith(FILES):
                target = place.data_dir / name.removeprefix(FILES)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(staging / name, target)
                files += 1
        if (staging / SECRET).is_file():
            secret = place.data_dir / SECRET
            shutil.copyfile(staging / SECRET, secret)
            secret.chmod(0o600)
            configured = config.env("TANDEM_SECRET_KEY")
            if configured and configured != (staging / SECRET).read_text().strip():
                warnings.append(
                    "TANDEM_SECRET_KEY is set and differs from the restored secret: links "
                    "emailed before the backup work only with the restored one"
                )
        else:
            warnings.append(
                "the backup holds no secret (it came from TANDEM_SECRET_KEY): set the same "
                "TANDEM_SECRET_KEY, or links emailed before the backup stop working"
            )
    return Restored(manifest=manifest, files=files, warnings=warnings)
