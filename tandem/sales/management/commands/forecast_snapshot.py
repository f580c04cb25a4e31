"""``tandem forecast_snapshot``: keep today's forecast of this month and quarter, and settle
the snapshots of periods that have ended (the clock of ``tandem serve`` runs it daily)."""

from django.core.management.base import BaseCommand

from tandem.sales.tasks import forecast_snapshot_task


class Command(BaseCommand):
    help = "Snapshot this month's and quarter's forecast; compare ended periods with what closed."

    def handle(self, *args, **options):
        done = forecast_snapshot_task.call()
        for snapshot in done["taken"].values():
            self.stdout.write(f"{snapshot}")
        self.stdout.write(
            f"{done['settled']} snapshot(s) of ended periods compared with what closed."
        )
