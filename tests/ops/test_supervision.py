"""`tandem serve` keeps its worker and clock alive: one killed outright is started again."""

from __future__ import annotations

import os
import signal
import time

from tests.serving import children_of, clean_env, served, wait_for
from tests.smtp import free_port


def _one(children: dict[int, str], word: str) -> int | None:
    found = [pid for pid, command in children.items() if f"tandem.cli {word}" in command]
    return found[0] if len(found) == 1 else None


def _wait_for_child(server_pid: int, word: str, *, other_than: int | None, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid = _one(children_of(server_pid), word)
        if pid is not None and pid != other_than:
            return pid
        time.sleep(0.2)
    return None


def test_a_worker_and_a_clock_killed_with_sigkill_come_back(data_folder, tmp_path):
    port = free_port()
    env = clean_env(TANDEM_DATA_DIR=str(data_folder))
    log = tmp_path / "serve.log"
    with served(["--port", str(port), "--no-migrate"], env=env, log=log) as server:
        assert wait_for(f"http://127.0.0.1:{port}/login/") == 200, log.read_text()
        worker = _wait_for_child(server.pid, "worker", other_than=None, seconds=30)
        clock = _wait_for_child(server.pid, "clock", other_than=None, seconds=30)
        assert worker and clock, children_of(server.pid)

        os.kill(worker, signal.SIGKILL)
        new_worker = _wait_for_child(server.pid, "worker", other_than=worker, seconds=10)
        os.kill(clock, signal.SIGKILL)
        new_clock = _wait_for_child(server.pid, "clock", other_than=clock, seconds=10)

        assert new_worker, f"no worker came back within 10 s\n{log.read_text()}"
        assert new_clock, f"no clock came back within 10 s\n{log.read_text()}"
        assert wait_for(f"http://127.0.0.1:{port}/login/") == 200
    said = log.read_text()
    assert f"worker (pid {worker}) exited with -9" in said
    assert f"clock (pid {clock}) exited with -9" in said
    assert f"worker started (pid {new_worker})" in said
    # Stopped by SIGTERM, serve takes its children with it.
    deadline = time.monotonic() + 10
    while children_of(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not {new_worker, new_clock} & set(_alive([new_worker, new_clock]))


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(pid)
        except OSError:
            continue
    return alive
