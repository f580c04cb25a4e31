"""The demo's consent log: the relay's writer stores each contact's current consent in bulk;
the log gets one entry for each (its first statement, as the demo knows it)."""

from __future__ import annotations

from tandem.demo.extras.context import DemoContext
from tandem.people.consent import consent_entries_from_current


def consent_log_demo(context: DemoContext) -> dict[str, int]:
    return {"consent entries": consent_entries_from_current()}
