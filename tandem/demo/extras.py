"""Demo records for each area beyond the relay's core, contributed by the apps themselves.

An app adds a ``demo_data`` module with a function decorated ``@demo_extra(order=…)``; it runs
once, after every chunk has been written, inside one transaction, with a ``DemoContext``. Lower
``order`` runs first (segments before the email that is sent to them, deals before orders).
Each extra must be deterministic (use ``context.rng``) and quick at the default 3,000 contacts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules


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
_EXTRAS: list[tuple[int, str, DemoExtra]] = []


def demo_extra(*, order: int) -> Callable[[DemoExtra], DemoExtra]:
    """Register an extra; it returns rows written per table (shown in the run's summary)."""

    def register(fn: DemoExtra) -> DemoExtra:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != name for _, existing, _ in _EXTRAS):
            _EXTRAS.append((order, name, fn))
        return fn

    return register


def extras_run(context: DemoContext) -> dict[str, int]:
    """Run every app's extras in order; rows written per table."""
    autodiscover_modules("demo_data")
    written: dict[str, int] = {}
    for _, name, fn in sorted(_EXTRAS, key=lambda e: (e[0], e[1])):
        context.stream_for(name)
        for table, n in fn(context).items():
            written[table] = written.get(table, 0) + n
    return written
