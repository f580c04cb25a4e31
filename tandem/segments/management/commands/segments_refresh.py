"""``tandem segments_refresh``: the periodic sweep for segments with time windows.

A rule such as "opened an email in the last 30 days" changes its answer as days pass with no
touch or contact change to trigger the incremental refresh. Run this once an hour or once a
day (cron, a systemd timer, or ``--enqueue`` to hand it to the task worker): it rebuilds every
dynamic segment whose rule has a time window and records each segment's size for the day.
``--all`` rebuilds every dynamic segment.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tandem.segments import rebuild
from tandem.segments.rebuild import RebuildResult
from tandem.segments.tasks import segments_refresh_task


class Command(BaseCommand):
    help = "Rebuild segments whose time windows moved, and record today's segment sizes."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="rebuild every dynamic segment")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the sweep for the task worker instead"
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            segments_refresh_task.enqueue()
            self.stdout.write("queued the segment sweep")
            return
        if options["all"]:
            results = rebuild.segments_rebuild_all()
            rebuild.segment_sizes_sample()
        else:
            results = rebuild.segments_refresh()
        for name, result in results.items():
            if isinstance(result, RebuildResult):
                self.stdout.write(
                    f"{name}: {result.size} members (+{result.added} −{result.removed})"
                )
            else:
                self.stderr.write(f"{name}: cannot be evaluated — {result}")
        self.stdout.write(f"{len(results)} segment(s) rebuilt")
