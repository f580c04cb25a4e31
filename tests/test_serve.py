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
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{base}/login/")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        assert status == 200, "the server did not answer within 60 s"
        assert "Sign in to Tandem" in body
        assert _get(f"{base}/static/tandem/tandem.css")[0] == 200
        assert (tmp_path / "tandem.sqlite3").exists()
        assert (tmp_path / "secret_key").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
