"""``tandem demo``: fill the database with a believable demo company and print the logins."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.seller import seller_identity
from tandem.demo import generator
from tandem.people.models import Contact


class Command(BaseCommand):
    help = "Fill the database with a demo company (deterministic by --seed) and print logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=7, help="Same seed, same data (7).")
        parser.add_argument("--contacts", type=int, default=3000, help="How many (3000).")
        parser.add_argument(
            "--months", type=int, default=18, help="How far back the company's history goes (18)."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if there are contacts already; still print logins.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **opts) -> None:
        if opts["contacts"] < 1 or opts["months"] < 1:
            raise CommandError("--contacts and --months must be at least 1")
        if opts["if_empty"] and Contact.objects.exists():
            self.stdout.write("The database already has contacts: no demo data added.\n\n")
        else:
            started = time.monotonic()
            try:
                result = generator.demo_generate(
                    seed=opts["seed"],
                    contacts=opts["contacts"],
                    months=opts["months"],
                    progress=not opts["no_progress"] and opts["verbosity"] > 0,
                )
            except generator.DemoRefused as exc:
                raise CommandError(str(exc)) from None
            seconds = time.monotonic() - started
            if result.chunks_written or result.extras_finished:
                figures = ", ".join(
                    f"{n:,} {table.replace('_', ' ')}" for table, n in result.counts.items()
                )
                self.stdout.write(
                    self.style.SUCCESS(f"Demo data written in {seconds:.0f} s: {figures}.") + "\n"
                )
            else:
                self.stdout.write("The demo data were already complete: nothing added.\n")
            if result.chunks_skipped and (result.chunks_written or result.extras_finished):
                self.stdout.write(f"Resumed: {result.chunks_skipped} chunks already there.\n")
            self.stdout.write("\n")
        self.stdout.write(generator.logins_text(generator.demo_logins()))
        self.stdout.write(generator.seller_text(seller_identity()))
