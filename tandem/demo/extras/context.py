"""What every demo extra is handed: the run's seed, size and clock, and its own random stream."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DemoContext:
    """What an extra gets: the seed, the clock the story is dated back from, and a random stream."""

    seed: int
    contacts: int
    months: int
    now: dt.datetime
    rng: random.Random = field(init=False, repr=False)

    def stream_for(self, extra: str) -> None:
        """Give ``extra`` its own random stream: one that skips work already done (a second
        run) must not shift what the next one draws."""
        self.rng = random.Random(f"extras:{self.seed}:{self.contacts}:{extra}")


DemoExtra = Callable[[DemoContext], dict[str, int]]
