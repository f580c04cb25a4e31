"""Peak memory of one step of a benchmark, measured inside the process (Linux).

Linux keeps a process's peak resident size (VmHWM) and lets the process reset it to the current
size by writing ``5`` to ``/proc/self/clear_refs``; the step's peak is then the new high-water
mark minus the size before the step. Elsewhere it falls back to the process's lifetime peak.
"""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(name: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise KeyError(name)


@dataclass
class Peak:
    """Filled in when the ``with`` block ends: ``step_mb`` (above the start) and ``process_mb``."""

    step_mb: float = 0.0
    process_mb: float = 0.0
    isolated: bool = field(default=False)


@contextlib.contextmanager
def peak_memory() -> Iterator[Peak]:
    """Measure the peak resident memory of the block."""
    peak = Peak()
    try:
        CLEAR_REFS.write_text("5")
        before = _status_kib("VmRSS")
        peak.isolated = True
    except OSError:
        before = 0
    yield peak
    if peak.isolated:
        high = _status_kib("VmHWM")
    else:
        high = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak.process_mb = round(high / 1024, 1)
    peak.step_mb = round((high - before) / 1024, 1)
