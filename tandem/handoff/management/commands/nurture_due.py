"""``tandem nurture_due``: end the nurture of recycled contacts whose nurture date has passed."""

from django.core.management.base import BaseCommand

from tandem.handoff.services import contacts_nurture_end
from tandem.handoff.tasks import nurture_due


class Command(BaseCommand):
    help = (
        "Return recycled contacts whose nurture date has passed to marketing's active leads "
        "and rescore them (run it once a day)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="hand the run to the background worker"
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            nurture_due.enqueue()
            self.stdout.write("Queued for the worker.")
            return
        counts = contacts_nurture_end()
        self.stdout.write(
            f"{counts['ended']} nurtures ended, {counts['back_to_lead']} back to lead, "
            f"{counts['handed_off']} handed off."
        )
