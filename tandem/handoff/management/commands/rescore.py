"""``tandem rescore``: recompute every contact's fit, engagement, score and grade."""

import time

from django.core.management.base import BaseCommand

from tandem.handoff.services import contacts_rescore_all


class Command(BaseCommand):
    help = "Recompute every contact's rule score set-based, and hand off new MQLs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-hand-off", action="store_true", help="only rescore; hand nobody off"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = contacts_rescore_all(hand_off=not options["no_hand_off"])
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Rescored {result['rescored']:,} contacts, handed off {result['handed_off']:,} "
            f"in {seconds:.1f} s."
        )
