"""``tandem clock``: hand recurring jobs to the task worker when they are due (``serve`` starts
one; see ``tandem.ops.schedule`` for the jobs and their intervals)."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

from tandem.ops import busy
from tandem.ops.schedule import JOBS, tick


class Command(BaseCommand):
    help = "Enqueue recurring jobs (SLA watch, segment sweep, nightly rescore …) when due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between ticks.")
        parser.add_argument(
            "--stop-with-parent",
            action="store_true",
            help="Stop when the process that started this one is gone (`serve` passes it).",
        )

    def handle(self, *args, **opts):
        parent = os.getppid()
        if not opts["once"]:
            for job in JOBS:
                self.stdout.write(f"{job.name:<20} every {job.every}  ({job.why})")
        while True:
            try:
                # A locked database is waited out with backoff, not the end of the clock.
                started = busy.retrying(tick)
            except OperationalError as exc:
                if opts["once"] or not busy.is_busy(exc):
                    raise
                self.stderr.write(f"database still busy, next tick in {opts['interval']} s: {exc}")
                started = []
            for name in started:
                self.stdout.write(f"enqueued {name}")
            if opts["once"]:
                return
            if opts["stop_with_parent"] and os.getppid() != parent:
                return  # the server that started this clock is gone (killed outright)
            close_old_connections()
            time.sleep(opts["interval"])
