"""`tandem serve` starts on a fresh data folder: migrates, serves pages and static files."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.smtp import free_port


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 — loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_serve_on_a_fresh_data_folder(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TANDEM_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tandem.cli", "serve", "--port", str(port), "--no-worker"],
        env={**env, "TANDEM_DATA_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a first migration, on a busy machine
        status = 0
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{base}/login/")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        assert status == 200, "the server did not answer within 180 s"
        assert "Sign in to Tandem" in body
        assert _get(f"{base}/static/tandem/tandem.css")[0] == 200
        assert (tmp_path / "tandem.sqlite3").exists()
        assert (tmp_path / "secret_key").exists()
        # Private: the folder to its owner only, the database and its WAL files too.
        assert tmp_path.stat().st_mode & 0o777 == 0o700
        for name in ("tandem.sqlite3", "tandem.sqlite3-wal", "tandem.sqlite3-shm"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
        children = _children_of(server.pid)
        assert children, "serve starts the clock beside itself"
    finally:
        server.terminate()
        server.wait(timeout=10)
    # Stopped by SIGTERM, the server takes the processes it started with it.
    deadline = time.monotonic() + 10
    while _alive(children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(children)


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive
