"""Fixtures the ops tests share: a small demo company (from the demo tests), and a migrated
data folder for the tests that serve Tandem in a subprocess (made once: a migration takes most
of a minute on a busy machine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.demo.conftest import demo  # noqa: F401  (a small demo company)
from tests.serving import copy_data_folder, make_data_folder


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    return make_data_folder(tmp_path_factory.mktemp("tandem-template"))


@pytest.fixture
def data_folder(migrated_template, tmp_path) -> Path:
    return copy_data_folder(migrated_template, tmp_path / "data")
