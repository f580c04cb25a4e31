"""Tandem served for real in a subprocess (``tandem serve``), for tests that go through the
network: a migrated data folder made once per session and copied, a server started on a free
loopback port, its children found in /proc."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "pass-word-123"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without Tandem's or Django's settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TANDEM_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **extra}


def tandem(*args: str, env: Mapping[str, str], timeout: float = 300) -> str:
    done = subprocess.run(  # noqa: S603 — our own interpreter and command
        [sys.executable, "-m", "tandem.cli", *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_data_folder(folder: Path) -> Path:
    """A data folder with a migrated database and one sales rep, ``sam`` (PASSWORD)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = clean_env(TANDEM_DATA_DIR=str(folder))
    tandem("migrate", "-v0", env=env)
    tandem("createuser", "sam", "--role", "sales_rep", "--team", "Sales", "--password", PASSWORD,
           env=env)  # fmt: skip
    return folder


def copy_data_folder(template: Path, to: Path) -> Path:
    shutil.copytree(template, to, dirs_exist_ok=True)
    return to


def wait_for(url: str, *, seconds: float = 120, waiting=(502, 504), **urlopen) -> int:
    """The status of the first answer from ``url`` within ``seconds`` (a proxy's 502 or 504,
    while nothing is behind it yet, is waited past); 0 if none came."""
    deadline = time.monotonic() + seconds
    status = 0
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, **urlopen) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            if status not in waiting:
                return status
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    return status


@contextmanager
def served(args: list[str], *, env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """``tandem serve ARGS`` running until the block ends, its output in ``log``."""
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 — our own interpreter and command
            [sys.executable, "-m", "tandem.cli", "serve", *args],
            env=dict(env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def children_of(pid: int) -> dict[int, str]:
    """The live children of ``pid``: their ids and command lines."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry)] = command
    return found
