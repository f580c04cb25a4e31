"""Imports' fixtures: a data folder of the test's own, and a file uploaded through the service."""

from __future__ import annotations

import io

import pytest

from tandem.imports import services
from tandem.imports.models import ImportJob
from tandem.imports.running import job_run


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def upload(cast):
    """Upload ``content`` (bytes, or text written as UTF-8) as ``filename`` for ``user``."""

    def _upload(content, filename="file.csv", object_type="contacts", user=None) -> ImportJob:
        data = content.encode() if isinstance(content, str) else content
        return services.import_upload(
            user=user or cast.admin,
            file=io.BytesIO(data),
            filename=filename,
            object_type=object_type,
        )

    return _upload


@pytest.fixture
def run_import(cast):
    """Configure (the suggested mapping unless given) and run an import to its end."""

    def _run(job: ImportJob, user=None, **options) -> ImportJob:
        user = user or cast.admin
        services.import_configure(
            user=user,
            job=job,
            mapping=options.pop("mapping", job.mapping),
            value_maps=options.pop("value_maps", job.value_maps),
            **options,
        )
        services.import_start(user=user, job=job)
        job_run(job.pk)
        job.refresh_from_db()
        return job

    return _run


@pytest.fixture
def named(cast):
    """The cast's sales manager and rep with the names the fixture files use."""
    for user, first, last in (
        (cast.sales_manager, "Sue", "Manager"),
        (cast.sales_rep, "Sam", "Sales"),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return cast


@pytest.fixture
def fixture_file():
    """The bytes of a file in tests/imports/files."""
    from pathlib import Path

    folder = Path(__file__).parent / "files"
    return lambda name: (folder / name).read_bytes()
