"""``tandem mail_bounces FILE …``: suppress the addresses of the bounce reports and spam
complaints in mbox files (or single .eml files)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.errors import InvalidInput
from tandem.mailing import bounces, services


class Command(BaseCommand):
    help = "Suppress the addresses of hard bounces and complaints found in mbox or .eml files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files: list[Path], **options):
        counts = {"bounce": 0, "complaint": 0, "skipped": 0}
        for path in files:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            for event in bounces.events_in_file(path):
                try:
                    services.email_event_record(
                        kind=event.kind,
                        email=event.email,
                        detail=event.detail,
                        message_id=event.message_id,
                        via=f"mail_bounces {path.name}",
                    )
                except InvalidInput as exc:
                    counts["skipped"] += 1
                    self.stderr.write(f"{event.email}: {exc}")
                else:
                    counts[event.kind] += 1
        self.stdout.write(
            f"{counts['bounce']} bounce(s) and {counts['complaint']} complaint(s) suppressed"
            + (f", {counts['skipped']} skipped" if counts["skipped"] else "")
        )
