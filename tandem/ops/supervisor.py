"""The worker and the clock beside ``tandem serve``, restarted when one dies.

A child that exits while the server goes on (killed, or stopped by an error such as a database
that stayed locked) is logged and started again after a pause that grows while it keeps dying
quickly (1 s, 2 s, 4 s … at most 60 s) and is back to 1 s once it has run a minute.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

log = logging.getLogger("tandem.ops.supervisor")

FIRST_PAUSE, LONGEST_PAUSE, STEADY_SECONDS = 1.0, 60.0, 60.0


@dataclass
class Child:
    """One supervised process: its name, its command and the process now running it."""

    name: str
    command: Sequence[str]
    stdout: int | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    pause: float = FIRST_PAUSE
    restarts: int = 0
    due_at: float | None = field(default=None)

    def start(self) -> None:
        self.process = subprocess.Popen(list(self.command), stdout=self.stdout)  # noqa: S603
        self.started_at = time.monotonic()
        self.due_at = None
        log.info("%s started (pid %s)", self.name, self.process.pid)


class Supervisor:
    """Start the children, watch them from a thread, restart any that exits, stop them all."""

    def __init__(self, children: Sequence[Child], *, poll_seconds: float = 0.5):
        self.children = list(children)
        self.poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> None:
        for child in self.children:
            child.start()
        self._thread.start()

    def check(self) -> None:
        """One look at every child: note the ones that exited, start the ones whose pause ended."""
        with self._lock:
            if self._stopping.is_set():
                return
            now = time.monotonic()
            for child in self.children:
                process = child.process
                if child.due_at is None and process is not None and process.poll() is not None:
                    ran = now - child.started_at
                    child.pause = FIRST_PAUSE if ran >= STEADY_SECONDS else child.pause
                    child.due_at = now + child.pause
                    log.error(
                        "%s (pid %s) exited with %s after %.0f s; restarting in %.0f s",
                        child.name, process.pid, process.returncode, ran, child.pause,
                    )  # fmt: skip
                    child.pause = min(child.pause * 2, LONGEST_PAUSE)
                if child.due_at is not None and now >= child.due_at:
                    child.restarts += 1
                    child.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.poll_seconds):
            try:
                self.check()
            except Exception:  # a failed start is logged and tried again on the next look
                log.exception("supervisor: could not restart a child")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching, then terminate every child (kill it if it does not go in time)."""
        with self._lock:
            self._stopping.set()
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.process.kill()
