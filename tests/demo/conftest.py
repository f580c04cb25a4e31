"""Demo runs small enough for tests, on a fixed clock in the middle of a quarter."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.demo.generator import DemoResult, demo_generate

# Mid-quarter and mid-month, so "this month" and "this quarter" both have weeks of history.
NOW = dt.datetime(2026, 5, 20, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def demo(db):
    """Generate a small demo company; returns the run's result."""

    def _generate(
        *,
        seed: int = 7,
        contacts: int = 300,
        months: int = 18,
        now: dt.datetime | None = NOW,
        extras: bool = True,
    ) -> DemoResult:
        return demo_generate(seed=seed, contacts=contacts, months=months, now=now, extras=extras)

    return _generate
