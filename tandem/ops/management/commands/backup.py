"""``tandem backup [--out FILE]``: the database, the data folder's secret and uploads in one zip."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from tandem.ops.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Back up Tandem while it serves: the database (SQLite through its online backup API, "
        "PostgreSQL through pg_dump), the data folder's secret and uploaded files, in one zip."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", default="", help="The zip to write (tandem-backup-<date>.zip here)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        out = Path(options["out"] or f"tandem-backup-{stamp}.zip").resolve()
        if out.is_dir():
            out = out / f"tandem-backup-{stamp}.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        with tqdm(
            total=1, file=sys.stderr, disable=options["no_progress"], desc="tandem backup"
        ) as bar:

            def progress(done: int, total: int, step: str) -> None:
                bar.total = total
                bar.n = done
                bar.set_postfix_str(step, refresh=True)

            try:
                manifest = backup_write(out=out, progress=progress)
            except BackupError as exc:
                raise CommandError(str(exc)) from None
        size = out.stat().st_size
        self.stdout.write(
            f"{out} — {manifest['database']['kind']} database, "
            f"{sum(1 for m in manifest['members'] if m['name'].startswith('files/'))} files, "
            f"{size / 1_048_576:.1f} MB"
        )
