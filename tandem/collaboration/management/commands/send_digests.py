"""``tandem send_digests``: queue the daily notification digests (run it once a day)."""

from django.core.management.base import BaseCommand

from tandem.collaboration.tasks import digests_send


class Command(BaseCommand):
    help = "Queue the daily digest email of unread notifications for people who chose it."

    def handle(self, *args, **options):
        result = digests_send.enqueue()
        self.stdout.write(f"Digests queued ({result.id}).")
