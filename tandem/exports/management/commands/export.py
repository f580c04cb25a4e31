"""``tandem export --all [--out FILE]``: the whole company as one zip, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from tandem.exports.company import company_export_write


class Command(BaseCommand):
    help = (
        "Export the whole company: a zip of one CSV per table, Parquet of the touches and "
        "journeys, and a JSON manifest (no password or token hashes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Everything (the only export the CLI makes)."
        )
        parser.add_argument(
            "--out", default="", help="The zip to write (tandem-export-<date>.zip here)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        if not options["all"]:
            raise CommandError("say --all: the company export holds every table")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        out = Path(options["out"] or f"tandem-export-{stamp}.zip").resolve()
        if out.is_dir():
            raise CommandError(f"{out} is a folder; name the zip to write")
        partial = out.with_name(out.name + ".partial")
        with tqdm(
            total=1,
            unit=" tables",
            file=sys.stderr,
            disable=options["no_progress"],
            desc="tandem export",
        ) as bar:

            def progress(done: int, total: int, step: str) -> None:
                bar.total = total
                bar.n = done
                bar.set_postfix_str(step, refresh=True)

            manifest = company_export_write(partial, progress=progress)
        partial.replace(out)
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(f"{out} — {len(manifest['tables'])} tables, {rows:,} rows")
