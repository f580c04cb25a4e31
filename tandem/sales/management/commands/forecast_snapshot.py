"""``tandem forecast_snapshot``: keep today's forecast of this month and quarter, and settle
the snapshots of periods that have ended (run it once a day)."""

from django.core.management.base import BaseCommand

from tandem.sales.models import PeriodKind
from tandem.sales.target_services import forecast_snapshot_take, forecast_snapshots_settle


class Command(BaseCommand):
    help = "Snapshot this month's and quarter's forecast; compare ended periods with what closed."

    def handle(self, *args, **options):
        for kind in PeriodKind.values:
            snapshot = forecast_snapshot_take(period_kind=kind)
            self.stdout.write(f"{snapshot}: called {snapshot.called}")
        settled = forecast_snapshots_settle()
        self.stdout.write(f"{settled} snapshot(s) of ended periods compared with what closed.")
