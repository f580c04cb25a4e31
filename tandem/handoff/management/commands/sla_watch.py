"""``tandem sla_watch``: warn, reassign and report breaches of the first-touch promise."""

from django.core.management.base import BaseCommand

from tandem.handoff.tasks import sla_check


class Command(BaseCommand):
    help = "Check the first-touch promise now (run it every few minutes)."

    def handle(self, *args, **options):
        counts = sla_check()
        self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
