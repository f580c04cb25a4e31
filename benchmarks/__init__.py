"""Tandem's benchmarks: ``python -m benchmarks NAME`` prints one JSON object per figure.

A benchmark is a function registered with ``@benchmark(name, description)`` in any module of
this package; it receives the parsed options and yields ``Figure``s. Add one by dropping a
module in this folder.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured number; ``peer`` names what it was compared with in the same run."""

    bench: str
    metric: str
    value: float
    unit: str
    peer: str | None = None
    peer_value: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "bench": self.bench,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
        }
        if self.peer is not None and self.peer_value is not None:
            data.update(
                peer=self.peer,
                peer_value=self.peer_value,
                ratio=round(self.value / self.peer_value, 4) if self.peer_value else None,
            )
        return data


Runner = Callable[[argparse.Namespace], Iterable[Figure]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    run: Runner


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, description: str) -> Callable[[Runner], Runner]:
    """Register ``func`` as the benchmark ``name``; ``description`` is one line for --list."""

    def register(func: Runner) -> Runner:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name=name, description=description, run=func)
        return func

    return register


def discover() -> dict[str, Benchmark]:
    """Import every module of this package so their benchmarks register themselves."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY
