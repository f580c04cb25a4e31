"""Backups: the database while it is written to, the secret and the uploads in one zip, and back."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from tandem.collaboration import survey_links
from tandem.collaboration import survey_services as surveys
from tandem.ops import backup_databases as engines
from tandem.ops.backup import BackupRefused, Place, backup_restore, backup_write, manifest_read
from tests.collaboration.test_surveys import QUESTIONS, a_customer

ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
SQLITE = "django.db.backends.sqlite3"
OLD_SECRET = "the-secret-every-link-was-signed-with-" + "x" * 30
REPO = Path(__file__).resolve().parents[2]


def _sqlite_place(folder: Path) -> Place:
    folder.mkdir(parents=True, exist_ok=True)
    return Place(
        database={"ENGINE": SQLITE, "NAME": str(folder / "tandem.sqlite3")}, data_dir=folder
    )


def _live_copy_of_the_test_database(place: Place) -> None:
    """The test database (migrated, with what the test made, even uncommitted) as a WAL-mode
    file, copied row by row through the test's own connection."""
    with (
        connection.cursor() as cursor,
        contextlib.closing(sqlite3.connect(place.database["NAME"], isolation_level=None)) as target,
    ):
        target.execute("PRAGMA journal_mode=WAL")
        target.execute("BEGIN")
        schema = cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC"
        ).fetchall()
        for _type, _name, sql in schema:
            target.execute(sql)
        for kind, name, _sql in schema:
            if kind == "table":
                # table_info leaves out generated columns, which are computed, not stored
                columns = ",".join(
                    f'"{c[1]}"' for c in cursor.execute(f'PRAGMA table_info("{name}")').fetchall()
                )
                rows = cursor.execute(f'SELECT {columns} FROM "{name}"').fetchall()  # noqa: S608
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    target.executemany(
                        f'INSERT INTO "{name}" ({columns}) VALUES ({marks})',  # noqa: S608
                        rows,
                    )
        target.execute("COMMIT")


def _uploads(folder: Path) -> dict[str, bytes]:
    files = {
        "imports/7/contacts.csv": b"email,first_name\nann@acme.test,Ann\n",
        "content/brochure.pdf": bytes(range(256)) * 40,
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "secret_key").write_text(OLD_SECRET)
    return files


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@pytest.mark.skipif(not ON_SQLITE, reason="the SQLite pass covers SQLite")
def test_a_sqlite_backup_taken_while_a_writer_writes_keeps_every_committed_row_and_the_wal(
    demo, tmp_path, monkeypatch
):
    # given a live data folder: the demo company, a table a writer fills, rows still in the WAL
    demo(contacts=150)
    live = _sqlite_place(tmp_path / "live")
    _live_copy_of_the_test_database(live)
    files = _uploads(live.data_dir)
    writer_db = sqlite3.connect(
        live.database["NAME"], isolation_level=None, check_same_thread=False
    )
    writer_db.execute("PRAGMA wal_autocheckpoint=0")  # what is written stays in the WAL
    writer_db.execute("PRAGMA synchronous=NORMAL")
    writer_db.execute("CREATE TABLE writes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    writer_db.executemany(
        "INSERT INTO writes (note) VALUES (?)", [(f"before {i}",) for i in range(500)]
    )
    wal = Path(live.database["NAME"] + "-wal")
    assert wal.stat().st_size > 0
    stop = threading.Event()
    written = [500]

    def writer() -> None:
        while not stop.is_set():
            writer_db.execute("INSERT INTO writes (note) VALUES (?)", (f"during {written[0]}",))
            written[0] += 1

    # when a backup is taken in small steps while the writer keeps writing
    monkeypatch.setattr(engines, "SQLITE_PAGES_PER_STEP", 4)
    seen: list[int] = []

    def progress(done: int, total: int, step: str) -> None:
        if step == "database":
            seen.append(written[0])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(500):  # the writer is under way
            if written[0] >= 600:
                break
            time.sleep(0.01)
        assert written[0] >= 600
        at_start = written[0]
        manifest = backup_write(out=tmp_path / "b.zip", place=live, progress=progress)
        at_end = written[0]
    finally:
        stop.set()
        thread.join()
    # and restored into a fresh data folder
    fresh = _sqlite_place(tmp_path / "fresh")
    restored = backup_restore(archive=tmp_path / "b.zip", place=fresh)

    # then the writer wrote throughout, and the backup holds one moment of the database:
    # everything committed before it started (the WAL's rows too), nothing half-written
    assert len(seen) > 3 and seen[-1] > seen[0]
    source = sqlite3.connect(live.database["NAME"])
    copy = sqlite3.connect(fresh.database["NAME"])
    restored_rows = copy.execute("SELECT id, note FROM writes ORDER BY id").fetchall()
    assert at_start <= len(restored_rows) <= at_end
    assert (
        restored_rows
        == source.execute(
            "SELECT id, note FROM writes ORDER BY id LIMIT ?", (len(restored_rows),)
        ).fetchall()
    )
    source_counts, copy_counts = _counts(source), _counts(copy)
    assert {t: n for t, n in copy_counts.items() if t != "writes"} == {
        t: n for t, n in source_counts.items() if t != "writes"
    }
    assert copy_counts["people_contact"] == source_counts["people_contact"] >= 150
    assert copy_counts["people_touch"] == source_counts["people_touch"] > 0
    for sample in SAMPLES:
        assert copy.execute(sample).fetchall() == source.execute(sample).fetchall()
    # and the uploads and the secret came along, checked against the manifest
    assert {n: (fresh.data_dir / n).read_bytes() for n in files} == files
    assert (fresh.data_dir / "secret_key").read_text() == OLD_SECRET
    assert restored.files == 2
    assert manifest["database"]["kind"] == "sqlite" and manifest["secret"] == "data folder"
    assert manifest["migrations"]["people"][0] == "0001_initial"
    assert all(len(m["sha256"]) == 64 for m in manifest["members"])
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("wal",)


SAMPLES = (
    "SELECT id, email, first_name, last_name, score FROM people_contact ORDER BY id LIMIT 50",
    "SELECT id, name, amount, stage_id FROM sales_deal ORDER BY id DESC LIMIT 50",
    "SELECT id, contact_id, kind, occurred_at FROM people_touch ORDER BY id LIMIT 50",
)


def _rewrite_manifest(archive: Path, out: Path, change) -> None:
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            target.writestr(item, data)


@pytest.fixture
def a_backup(db, tmp_path) -> tuple[Path, Place]:
    if not ON_SQLITE:
        pytest.skip("made from the SQLite test database")
    live = _sqlite_place(tmp_path / "live")
    _live_copy_of_the_test_database(live)
    _uploads(live.data_dir)
    backup_write(out=tmp_path / "b.zip", place=live)
    return tmp_path / "b.zip", live


def test_a_backup_from_a_newer_schema_is_refused_naming_the_app_and_migration(a_backup, tmp_path):
    archive, _ = a_backup
    _rewrite_manifest(
        archive,
        tmp_path / "newer.zip",
        lambda m: m["migrations"]["collaboration"].append("0099_from_the_future"),
    )
    fresh = _sqlite_place(tmp_path / "fresh")

    with pytest.raises(BackupRefused, match="collaboration 0099_from_the_future"):
        backup_restore(archive=tmp_path / "newer.zip", place=fresh)

    assert not Path(fresh.database["NAME"]).exists()  # nothing was written


def test_a_restore_refuses_a_non_empty_target_unless_forced(a_backup, tmp_path):
    archive, live = a_backup

    with pytest.raises(BackupRefused, match="not empty .* --force"):
        backup_restore(archive=archive, place=live)

    restored = backup_restore(archive=archive, place=live, force=True)
    assert restored.files == 2


def test_a_damaged_backup_is_refused_before_anything_is_written(a_backup, tmp_path):
    archive, _ = a_backup
    _rewrite_manifest(
        archive, tmp_path / "bad.zip", lambda m: m["members"][-1].update(sha256="0" * 64)
    )
    fresh = _sqlite_place(tmp_path / "fresh")

    with pytest.raises(BackupRefused, match="damaged: files/.* checksum"):
        backup_restore(archive=tmp_path / "bad.zip", place=fresh)


def test_the_commands_back_up_and_restore_the_data_folder(a_backup, tmp_path, capsys, monkeypatch):
    _, live = a_backup
    fresh = _sqlite_place(tmp_path / "fresh")
    monkeypatch.setattr(Place, "current", classmethod(lambda cls: live))
    # a backup written into the data folder itself carries neither itself nor its staging
    call_command("backup", "--out", str(live.data_dir), "--no-progress")
    [archive] = live.data_dir.glob("tandem-backup-*.zip")
    monkeypatch.setattr(Place, "current", classmethod(lambda cls: fresh))

    call_command("restore", str(archive), "--no-progress")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), "--no-progress")

    out = capsys.readouterr().out
    assert "sqlite database, 2 files" in out and "restored the sqlite database" in out
    assert manifest_read(archive)["format"] == 1


@pytest.mark.skipif(not ON_SQLITE, reason="restores into a SQLite data folder")
@pytest.mark.django_db(transaction=True)
def test_a_restore_with_the_secret_brings_a_link_emailed_before_the_backup_back(cast, tmp_path):
    # given a survey link emailed before the backup, signed with the data folder's secret
    survey = surveys.survey_create(
        actor=cast.marketer, title="How are we doing?", questions=QUESTIONS
    )
    customer = a_customer(cast, 1)
    surveys.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    with override_settings(SECRET_KEY=OLD_SECRET):
        token = survey_links.survey_link_token(survey=survey, contact=customer)
    live = _sqlite_place(tmp_path / "live")
    _live_copy_of_the_test_database(live)
    _uploads(live.data_dir)
    backup_write(out=tmp_path / "b.zip", place=live)
    # and a fresh data folder on a new machine, whose first start made a secret of its own
    fresh = _sqlite_place(tmp_path / "fresh")
    (fresh.data_dir / "secret_key").write_text("a-new-machine-s-own-secret-" + "y" * 40)

    def answer_page_status() -> int:
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TANDEM_"))
        }
        environ |= {
            "TANDEM_DATA_DIR": str(fresh.data_dir),
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
        }
        script = (
            "import django; django.setup()\n"
            "from django.test import Client\n"
            f"print(Client().get('/s/{token}/').status_code)\n"
        )
        run = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script], env=environ, cwd=REPO, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return int(run.stdout.split()[-1])

    # when the backup is restored there
    backup_restore(archive=tmp_path / "b.zip", place=fresh)

    # then the old link opens the survey in a new process on the restored folder
    assert answer_page_status() == 200
    # while with the new machine's own secret it would not
    (fresh.data_dir / "secret_key").write_text("a-new-machine-s-own-secret-" + "y" * 40)
    assert answer_page_status() == 404


RESTORE_DB = "test_backup_restore"


@pytest.fixture
def pg_target():
    if not ON_POSTGRESQL:
        pytest.skip("the PostgreSQL pass covers PostgreSQL")
    database = dict(connection.settings_dict)
    admin = engines.pg_connect({**database, "NAME": "postgres"})
    admin.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{RESTORE_DB}"')
    try:
        yield {**database, "NAME": RESTORE_DB}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')
        admin.close()


def _pg_counts(database) -> dict[str, int]:
    with contextlib.closing(engines.pg_connect(database)) as db:
        tables = [
            t for (t,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_every_row_into_another_database(pg_target, cast, tmp_path):
    # given contacts, an uploaded file and the data folder's secret
    for n in range(1, 21):
        a_customer(cast, n)
    source = Place(database=dict(connection.settings_dict), data_dir=tmp_path / "live")
    source.data_dir.mkdir()
    files = _uploads(source.data_dir)
    steps: list[tuple[int, int]] = []

    # when it is backed up with pg_dump and restored with pg_restore into an empty database
    manifest = backup_write(
        out=tmp_path / "b.zip", place=source, progress=lambda d, t, s: steps.append((d, t))
    )
    target = Place(database=pg_target, data_dir=tmp_path / "fresh")
    backup_restore(archive=tmp_path / "b.zip", place=target)

    # then every table holds the same rows, the sample of contacts is equal, files came along
    assert manifest["database"] == {"kind": "postgresql", "member": "database/tandem.dump"}
    assert _pg_counts(pg_target) == _pg_counts(source.database)
    sample = "SELECT id, email, first_name FROM people_contact ORDER BY id"
    with (
        contextlib.closing(engines.pg_connect(pg_target)) as copy,
        contextlib.closing(engines.pg_connect(source.database)) as original,
    ):
        assert copy.execute(sample).fetchall() == original.execute(sample).fetchall()
    assert {n: (target.data_dir / n).read_bytes() for n in files} == files
    assert (target.data_dir / "secret_key").read_text() == OLD_SECRET
    assert steps and steps[-1][0] == steps[-1][1]
    # and a second restore into the now full database is refused unless forced
    with pytest.raises(BackupRefused, match="not empty"):
        backup_restore(archive=tmp_path / "b.zip", place=target)
    backup_restore(archive=tmp_path / "b.zip", place=target, force=True)
    assert _pg_counts(pg_target)["people_contact"] == _pg_counts(source.database)["people_contact"]


def test_a_missing_pg_dump_is_named_with_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("TANDEM_PG_BIN", str(tmp_path))
    monkeypatch.setattr(engines.shutil, "which", lambda _name: None)
    monkeypatch.setattr(engines, "PG_VERSIONS", tmp_path / "none")

    with pytest.raises(
        engines.BackupError, match="pg_dump was not found: install .*postgresql-client"
    ):
        engines.pg_binary("pg_dump")
