"""``tandem restore FILE [--force]``: a backup back into an empty database and data folder."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tandem.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `tandem backup` into an empty database and data folder, "
        "with the secret that signed every emailed link. Refuses a backup from a newer Tandem."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The backup zip.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database and uploaded files that are already there.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"there is no backup at {archive}")
        with tqdm(
            total=1, file=sys.stderr, disable=options["no_progress"], desc="tandem restore"
        ) as bar:

            def progress(done: int, total: int, step: str) -> None:
                bar.total = total
                bar.n = done
                bar.set_postfix_str(step, refresh=True)

            try:
                restored = backup_restore(
                    archive=archive, force=options["force"], progress=progress
                )
            except BackupError as exc:
                raise CommandError(str(exc)) from None
        for warning in restored.warnings:
            self.stderr.write(f"warning: {warning}")
        manifest = restored.manifest
        self.stdout.write(
            f"restored the {manifest['database']['kind']} database of {manifest['created_at']} "
            f"and {restored.files} files; run `tandem migrate` if this Tandem is newer"
        )
