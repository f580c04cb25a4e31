"""``tandem import FILE --type contacts``: import a file in this process, with a progress bar.

The same services as the wizard and the API: upload (detect, suggest a mapping from the preset
that fits, or the one named), the suggested values confirmed as they are, the options given,
then a dry run or the import itself, run here rather than by the worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tandem.access.roles import Role
from tandem.access.selectors import users_active
from tandem.errors import InvalidInput
from tandem.imports import running, selectors, services
from tandem.imports.models import ImportJob, ObjectType
from tandem.imports.presets import PRESETS, PRESETS_BY_KEY, mapping_suggest

MODES = ("create_and_update", "create_only", "update_only")


class Command(BaseCommand):
    help = (
        "Import accounts, contacts or deals from a CSV or XLSX file: "
        "tandem import contacts.csv --type contacts [--preset hubspot-contacts] [--dry-run]"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--type", required=True, choices=("contacts", "accounts", "deals"))
        parser.add_argument(
            "--preset",
            help="a column layout: a built-in one ("
            + ", ".join(p.key.replace("_", "-") for p in PRESETS)
            + ") or one saved in the wizard, by its name (default: the built-in one that fits "
            "the header, if any)",
        )
        parser.add_argument("--mode", choices=MODES, default="create_and_update")
        parser.add_argument(
            "--blanks-overwrite",
            action="store_true",
            help="blank cells clear values already in Tandem (default: they keep them)",
        )
        parser.add_argument("--date-order", choices=("day_first", "month_first"), default="")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would happen; write nothing"
        )
        parser.add_argument(
            "--user", help="the email of the user importing (default: the only admin)"
        )
        parser.add_argument(
            "--problems", help="where to write the problems CSV (default: next to the file)"
        )

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        user = _user(opts["user"])
        try:
            job = _configured(path, user, opts)
            if opts["dry_run"]:
                self._dry_run(job, user)
                return
            job = services.import_start(user=user, job=job, enqueue=False)
            job = self._run(job)
        except InvalidInput as exc:
            raise CommandError("; ".join(exc.errors.values())) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self._summary(
            job, Path(opts["problems"]) if opts["problems"] else _problems_path(path, job)
        )

    def _dry_run(self, job: ImportJob, user: Any) -> None:
        dry = services.import_dry_run(user=user, job=job)
        self.stdout.write(
            f"Dry run of {job.filename} ({job.get_object_type_display().lower()}): "
            f"{dry.to_create:,} to create, {dry.to_update:,} to update, "
            f"{dry.to_skip:,} to skip, {dry.failed:,} with errors. Nothing was written."
        )
        for problem in dry.problems[:20]:
            column = f" [{problem.column}]" if problem.column else ""
            self.stdout.write(f"  line {problem.line}{column}: {problem.reason}")
        if len(dry.problems) > 20:
            self.stdout.write(f"  … and {len(dry.problems) - 20:,} more problems")

    def _run(self, job: ImportJob) -> ImportJob:
        bar = tqdm(
            total=job.rows_total or None,
            unit="rows",
            desc=f"Importing {job.filename}",
            file=self.stderr._out,  # the stream itself: the bar rewrites its line with \r
            dynamic_ncols=True,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            finished = running.job_run(job.pk, progress=progress)
        finally:
            bar.close()
        return finished or job

    def _summary(self, job: ImportJob, problems_path: Path) -> None:
        self.stdout.write(
            f"Imported {job.filename}: {job.created:,} created, {job.updated:,} updated, "
            f"{job.skipped:,} skipped, {job.failed:,} failed (import #{job.pk})."
        )
        if not job.problems.exists():
            self.stdout.write("No problems.")
            return
        with problems_path.open("w", encoding="utf-8", newline="") as out:
            for chunk in services.import_problems_csv(job=job):
                out.write(chunk)
        count = job.problems.count()
        noun = "problem" if count == 1 else "problems"
        self.stdout.write(f"{count:,} {noun} written to {problems_path}")


def _user(email: str | None):
    if email:
        user = users_active().filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"no active user has the email {email}")
        return user
    admins = list(users_active().filter(role=Role.ADMIN)[:2])
    if len(admins) != 1:
        raise CommandError("say who imports: --user EMAIL")
    return admins[0]


def _configured(path: Path, user: Any, opts: dict[str, Any]) -> ImportJob:
    """Upload the file, map its columns (the preset named, else as suggested), take the
    suggested values and the options."""
    with path.open("rb") as file:
        job = services.import_upload(
            user=user, file=file, filename=path.name, object_type=opts["type"]
        )
    mapping, value_maps = dict(job.mapping), dict(job.value_maps)
    if opts["preset"]:
        mapping, value_maps = _preset_mapping(job, user, opts["preset"])
    # Configured once with the preset's value tables, so the suggestions below follow them.
    job = services.import_configure(
        user=user,
        job=job,
        mapping=mapping,
        value_maps=value_maps,
        mode=opts["mode"],
        blanks_overwrite=opts["blanks_overwrite"],
        date_order=opts["date_order"] or None,
    )
    value_maps = {
        target: {source: suggested for source, suggested, _count in found}
        for target, found in services.import_values_to_map(job=job).items()
    }
    return services.import_configure(
        user=user,
        job=job,
        mapping=mapping,
        value_maps=value_maps,
        mode=opts["mode"],
        blanks_overwrite=opts["blanks_overwrite"],
        date_order=opts["date_order"] or None,
    )


def _preset_mapping(
    job: ImportJob, user: Any, name: str
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The mapping and value tables of the preset ``name``: a built-in one by its key, else
    one the company saved for this kind of file, by its name (any case). An unknown name
    lists the presets there are."""
    built_in = PRESETS_BY_KEY.get(name.strip().lower().replace("-", "_"))
    if built_in is not None:
        if built_in.object_type != job.object_type:
            raise CommandError(f"the preset {name} is for {built_in.object_type}")
        return mapping_suggest(job.object_type, job.headers, built_in), dict(built_in.value_maps)
    saved = {p.name.casefold(): p for p in selectors.import_presets_for(user, job.object_type)}
    preset = saved.get(name.strip().casefold())
    if preset is None:
        other = next(
            (
                p
                for kind in ObjectType.values
                if kind != job.object_type
                for p in selectors.import_presets_for(user, kind)
                if p.name.casefold() == name.strip().casefold()
            ),
            None,
        )
        if other is not None:
            raise CommandError(f"the preset {name} is for {other.object_type}")
        built = [p.key.replace("_", "-") for p in PRESETS if p.object_type == job.object_type]
        names = sorted(p.name for p in saved.values())
        raise CommandError(
            f"no preset called {name!r} for {job.object_type}; built in: {', '.join(built)}"
            + (f"; saved: {', '.join(names)}" if names else "; none saved yet")
        )
    job = services.import_preset_apply(user=user, job=job, preset=preset)
    return dict(job.mapping), dict(job.value_maps)


def _problems_path(path: Path, job: ImportJob) -> Path:
    return path.with_name(f"{path.stem}.import-{job.pk}-problems.csv")
