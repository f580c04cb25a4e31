"""A marketing manager moves a HubSpot contacts export into Tandem through the wizard: upload,
map, confirm values, dry run, import (the worker's task run by the test), the result and its
problems CSV, then undo."""

from __future__ import annotations

import re

import pytest

from tandem.imports.models import ImportJob
from tandem.imports.running import job_run
from tandem.people.models import Contact
from tests.browser.conftest import sign_in, unavailable
from tests.imports.door_files import hubspot_contacts

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser

# Tasks wait in a queue nobody reads, so the page shows the import queued until the test runs
# it as the worker would.
QUEUE_NOBODY_READS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _upload_and_map(page, screenshot, path) -> None:
    page.get_by_role("navigation", name="Workspaces").get_by_role("button", name="Together").click()
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("table", name="Past imports")).to_contain_text("No imports yet")
    page.get_by_role("link", name="New import").click()
    expect(page.get_by_role("radio", name="Contacts")).to_be_checked()
    page.get_by_label("File").set_input_files(path)
    screenshot(page, "upload")
    page.get_by_role("button", name="Upload and read the file").click()

    found = page.get_by_role("region", name="What Tandem found in hubspot-contacts.csv")
    expect(found).to_contain_text("UTF-8 with byte-order mark")
    expect(found).to_contain_text("commas")
    expect(found).to_contain_text("HubSpot contacts export")
    email = page.get_by_label("Import “Email” as")
    expect(email).to_have_value("email")
    expect(page.get_by_role("table", name="Columns")).to_contain_text("ann@acme.test")
    page.get_by_label("Import “Job Title” as").select_option(label="New text field")
    page.get_by_label("Save this mapping as a preset").press("Space")  # by keyboard
    page.get_by_label("Preset name").fill("Our HubSpot")
    screenshot(page, "map")
    page.get_by_role("button", name="Next: confirm values").click()


def _values_and_dry_run(page, screenshot) -> None:
    expect(page.get_by_role("heading", name="Confirm values and options")).to_be_visible()
    stage = page.get_by_label("Lifecycle stage for “marketingqualifiedlead”")
    expect(stage).to_have_value("mql")
    page.get_by_label("Lifecycle stage for “customer”").select_option(label="Advocate")
    expect(page.get_by_role("radio", name="Create and update")).to_be_checked()
    screenshot(page, "values")
    page.get_by_role("button", name="Next: dry run").click()

    cards = page.get_by_role("group", name="What the import will do")
    expect(cards).to_contain_text(re.compile(r"To create\s*3"))
    problems = page.get_by_role("table", name="Problems (2)")
    expect(problems).to_contain_text("not-an-email")
    first = page.get_by_role("table", name="First rows to create (3)")
    expect(first).to_contain_text("ann@acme.test")
    expect(first).to_contain_text("VP Operations")  # the new custom field
    assert Contact.objects.count() == 0
    screenshot(page, "dry-run")
    page.get_by_role("button", name="Import contacts").press("Enter")  # by keyboard


def test_marketing_manager_imports_a_hubspot_export_and_undoes_it(
    browse, screenshot, cast, settings, tmp_path
):
    settings.TASKS = QUEUE_NOBODY_READS
    path = hubspot_contacts(tmp_path)
    page = browse()
    page.context.set_default_timeout(20_000)  # the dry run reads the whole file
    sign_in(page, cast.marketing_manager)
    _upload_and_map(page, screenshot, path)
    _values_and_dry_run(page, screenshot)

    expect(page.get_by_role("status").first).to_contain_text("Waiting for the worker")
    screenshot(page, "queued")
    job = ImportJob.objects.get()
    job_run(job.pk)  # as the worker would; the page, polling, shows the result
    expect(page.get_by_role("status").first).to_contain_text("Imported 4 of 4 rows")
    expect(page.get_by_role("table", name="Problems")).to_contain_text("not-an-email")
    assert Contact.objects.get(email="ann@acme.test").custom == {"job_title": "VP Operations"}
    assert sorted(Contact.objects.values_list("email", "lifecycle_stage")) == [
        ("ann@acme.test", "mql"),
        ("bob@bolt.test", "lead"),
        ("dee@acme.test", "lead"),
    ]
    screenshot(page, "done")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download problems (CSV)").click()
    lines = download.value.path().read_text().splitlines()
    assert lines[0] == "line,column,value,reason,row imported"
    assert lines[1].startswith("4,Email,not-an-email,")

    page.get_by_role("link", name="Undo import").click()
    expect(page.get_by_role("heading", name="Undo this import?")).to_be_visible()
    screenshot(page, "undo-confirm")
    page.get_by_role("button", name="Yes, undo the import").press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("undone")
    assert Contact.objects.count() == 0
    screenshot(page, "undone")

    page.get_by_role("link", name="← Imports").click()
    past = page.get_by_role("table", name="Past imports")
    expect(past.get_by_role("row").nth(1)).to_contain_text("hubspot-contacts.csv")
    expect(past.get_by_role("row").nth(1)).to_contain_text("Undone")
    screenshot(page, "list")
