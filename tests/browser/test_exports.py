"""Downloads in the browser: a filtered contact list as CSV, and an admin's company export."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import sign_in, unavailable
from tests.factories import AccountFactory, ContactFactory

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


def patient(browse, user):
    """A signed-in page that waits longer than the default: an export is real work."""
    page = browse()
    page.context.set_default_timeout(30_000)
    sign_in(page, user)
    return page


def test_marketer_downloads_the_filtered_contacts(browse, screenshot, cast):
    acme = AccountFactory(name="Acme")
    ContactFactory(email="ann@acme.test", first_name="Ann", last_name="Archer", account=acme)
    ContactFactory(email="=cmd@evil.test", first_name="=cmd", last_name="", account=acme)
    ContactFactory(email="bob@other.test", first_name="Bob", last_name="Baker")
    page = patient(browse, cast.marketer)
    page.goto("/contacts/")
    page.get_by_label("Search").fill("acme")
    expect(page.locator("#contact-rows")).to_contain_text("2 contacts")
    screenshot(page, "filtered")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("contacts-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert sorted(r[1] for r in rows[1:]) == ["'=cmd@evil.test", "ann@acme.test"]


def test_admin_builds_and_downloads_the_company_export(
    browse, screenshot, cast, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    page = patient(browse, cast.admin)
    page.get_by_role("navigation", name="Workspaces").get_by_role("button", name="Admin").click()
    page.get_by_role("link", name="Company export").click()
    expect(page.get_by_role("heading", name="Company export")).to_be_visible()
    page.get_by_role("button", name="Build a new export").click()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    screenshot(page, "ready")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    archive = zipfile.ZipFile(info.value.path())
    manifest = json.loads(archive.read("manifest.json"))
    users = next(t for t in manifest["tables"] if t["name"] == "access_user")
    assert users["rows"] == 9 and users["omitted_columns"] == ["password"]
