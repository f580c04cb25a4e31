"""Background work of the sales area."""

from __future__ import annotations

from typing import TypedDict

from django_tasks import task

from tandem.sales.models import PeriodKind
from tandem.sales.target_services import forecast_snapshot_take, forecast_snapshots_settle


class SnapshotsDone(TypedDict):
    taken: dict[str, str]
    settled: int


@task()
def forecast_snapshot_task() -> SnapshotsDone:
    """Keep today's forecast of this month and quarter, and settle the snapshots of periods
    that have ended (daily: ``tandem forecast_snapshot`` or the clock)."""
    taken: dict[str, str] = {}
    for kind in PeriodKind.values:
        snapshot = forecast_snapshot_take(period_kind=kind)
        taken[kind] = f"{snapshot}: called {snapshot.called}"
    return {"taken": taken, "settled": forecast_snapshots_settle()}
