"""The data folder and the files Tandem writes into it are private to the user it runs as."""

from __future__ import annotations

import os
import stat

from tandem import config


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path / "new" / "data"))

    folder = config.data_dir()

    assert _mode(folder) == 0o700
    (folder / "export.zip").write_bytes(b"x")  # any file written there after
    assert _mode(folder / "export.zip") == 0o600


def test_an_existing_open_data_folder_is_closed(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o755)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(folder))

    assert _mode(config.data_dir()) == 0o700


def test_a_shared_sticky_folder_is_left_as_it_is(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    monkeypatch.setenv("TANDEM_DATA_DIR", str(shared))

    config.data_dir()

    assert _mode(shared) == 0o1777


def test_the_database_file_is_created_private_and_an_open_one_closed(tmp_path):
    new = tmp_path / "tandem.sqlite3"
    config.private_file(new)
    assert new.exists() and _mode(new) == 0o600

    old = tmp_path / "old.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)
    config.private_file(old)
    assert _mode(old) == 0o600


def test_sqlite_gives_its_wal_files_the_database_files_mode(tmp_path):
    import sqlite3

    path = tmp_path / "tandem.sqlite3"
    config.private_file(path)
    os.umask(0o022)  # even where the umask would open them
    try:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
        for name in ("tandem.sqlite3", "tandem.sqlite3-wal", "tandem.sqlite3-shm"):
            assert _mode(tmp_path / name) == 0o600, name
        db.close()
    finally:
        os.umask(0o077)


def test_base_url_is_a_trusted_origin():
    assert config.origins("https://crm.example.com/tandem/", []) == ["https://crm.example.com"]
    assert config.origins("https://crm.example.com:8443", ["https://other.example.com"]) == [
        "https://crm.example.com:8443",
        "https://other.example.com",
    ]
