"""The import wizard's pages: who may open them, and each step's page with a HubSpot export."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.handoff.services import touch_log
from tandem.imports import services
from tandem.imports.models import ImportJob
from tandem.people.models import Contact
from tests.imports.door_files import HUBSPOT_CONTACTS

PAGES = ("list", "new")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(user) -> ImportJob:
    return services.import_upload(
        user=user,
        file=SimpleUploadedFile("hubspot-contacts.csv", HUBSPOT_CONTACTS.encode()),
        filename="hubspot-contacts.csv",
        object_type="contacts",
    )


def _configured(user) -> ImportJob:
    job = _upload(user)
    values = {
        t: {s: v for s, v, _ in rows} for t, rows in services.import_values_to_map(job=job).items()
    }
    return services.import_configure(
        user=user, job=job, mapping=job.mapping, value_maps=values, mode="create_and_update"
    )


def _imported(user, django_capture_on_commit_callbacks) -> ImportJob:
    job = _configured(user)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(user=user, job=job)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("url", ["/imports/", "/imports/new/"], ids=["list", "upload"])
def test_anonymous_is_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "employee"])
def test_a_role_that_may_not_import_is_refused(cast, role):
    client = _client(cast.by_role(role))
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/new/").status_code == 403
    assert 'href="/imports/"' not in client.get("/", follow=True).content.decode()


def test_leadership_reads_the_imports_but_starts_none(cast):
    job = _upload(cast.marketing_manager)
    client = _client(cast.leadership)
    page = client.get("/imports/").content.decode()
    assert "hubspot-contacts.csv" in page
    assert "New import" not in page
    assert client.get("/imports/new/").status_code == 403
    assert client.post(f"/imports/{job.pk}/map/", {}).status_code == 403


def test_an_importer_sees_the_menu_link_and_only_the_kinds_they_may_import(cast):
    client = _client(cast.marketing_manager)
    home = client.get("/", follow=True).content.decode()
    assert 'href="/imports/"' in home
    page = client.get("/imports/new/").content.decode()
    assert 'value="contacts"' in page and 'value="accounts"' in page
    assert 'value="deals"' not in page


def test_someone_elses_import_is_not_opened_by_a_role_without_the_kind(cast):
    job = _upload(cast.sales_manager)
    deals = services.import_upload(
        user=cast.sales_manager,
        file=SimpleUploadedFile("deals.csv", b"Deal Name,Amount\r\nBig one,100\r\n"),
        filename="deals.csv",
        object_type="deals",
    )
    client = _client(cast.marketing_manager)
    assert client.get(f"/imports/{deals.pk}/map/").status_code == 403
    # The manager sees the contacts import in the list but may not change another's job.
    assert "hubspot-contacts.csv" in client.get("/imports/").content.decode()
    assert client.post(f"/imports/{job.pk}/map/", {}).status_code == 403


def test_upload_shows_what_was_detected_and_the_suggested_mapping(cast):
    client = _client(cast.marketing_manager)
    file = SimpleUploadedFile("hubspot-contacts.csv", HUBSPOT_CONTACTS.encode())
    response = client.post("/imports/new/", {"object_type": "contacts", "file": file})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/map/"
    page = client.get(response["Location"]).content.decode()
    assert "UTF-8 with byte-order mark" in page
    assert "commas" in page
    assert "HubSpot contacts export" in page
    assert '<option value="email" selected>Email</option>' in page
    assert "ann@acme.test" in page  # a sample value


def test_upload_without_a_file_says_so(cast):
    response = _client(cast.admin).post("/imports/new/", {"object_type": "contacts"})
    assert response.status_code == 200
    assert "Choose a CSV or Excel file" in response.content.decode()


def test_mapping_step_saves_the_mapping_and_a_preset(cast):
    job = _upload(cast.marketing_manager)
    client = _client(cast.marketing_manager)
    form = {f"col-{n}": job.mapping[h] for n, h in enumerate(job.headers)}
    form[f"col-{job.headers.index('Job Title')}"] = ""  # skipped
    response = client.post(
        f"/imports/{job.pk}/map/", {**form, "save_preset": "on", "preset_name": "Our HubSpot"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/values/"
    job.refresh_from_db()
    assert job.status == "configured"
    assert job.mapping["Job Title"] == ""
    assert job.mapping["Email"] == "email"
    page = client.get(f"/imports/{job.pk}/map/").content.decode()
    assert "Our HubSpot (saved)" in page


def test_mapping_without_a_key_column_is_refused_with_the_reason(cast):
    job = _upload(cast.admin)
    form = {f"col-{n}": "" for n, _ in enumerate(job.headers)}
    response = _client(cast.admin).post(f"/imports/{job.pk}/map/", form)
    assert response.status_code == 200
    assert "it is how records are found" in response.content.decode()


def test_values_step_lists_each_value_with_its_count_and_suggestion(cast):
    job = _upload(cast.marketing_manager)
    services.import_configure(
        user=cast.marketing_manager, job=job, mapping=job.mapping, value_maps=job.value_maps
    )
    page = _client(cast.marketing_manager).get(f"/imports/{job.pk}/values/").content.decode()
    assert "marketingqualifiedlead" in page
    assert '<option value="mql" selected>Marketing-qualified lead</option>' in page
    assert "sam@tandem.test" in page  # the owner's value in the file


def test_values_step_saves_the_values_and_options(cast):
    job = _upload(cast.admin)
    services.import_configure(
        user=cast.admin, job=job, mapping=job.mapping, value_maps=job.value_maps
    )
    found = services.import_values_to_map(job=job)
    form = {"mode": "create_only", "blanks_overwrite": "on", "date_order": "day_first"}
    for target, rows in found.items():
        for n, (_source, suggested, _count) in enumerate(rows):
            form[f"v-{target}-{n}"] = suggested
    lead = [s for s, _v, _c in found["lifecycle_stage"]].index("lead")
    form[f"v-lifecycle_stage-{lead}"] = "subscriber"
    response = _client(cast.admin).post(f"/imports/{job.pk}/values/", form)
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/dry-run/"
    job.refresh_from_db()
    assert job.mode == "create_only"
    assert job.blanks_overwrite is True
    assert job.date_order == "day_first"
    assert job.value_maps["lifecycle_stage"]["lead"] == "subscriber"
    assert job.value_maps["owner"]["sam@tandem.test"] == str(cast.sales_rep.pk)


def test_dry_run_shows_counts_first_rows_and_every_problem(cast):
    job = _configured(cast.admin)
    page = _client(cast.admin).get(f"/imports/{job.pk}/dry-run/").content.decode()
    assert Contact.objects.count() == 0  # nothing written
    assert "To create" in page
    assert "not-an-email" in page
    assert "ann@acme.test" in page
    assert f"{cast.sales_rep.get_full_name()} (sam@tandem.test)" in page  # the owner, by name
    assert "Marketing-qualified lead" in page
    assert "Import contacts" in page


def test_start_runs_the_import_and_the_page_shows_the_result(
    cast, django_capture_on_commit_callbacks
):
    job = _configured(cast.admin)
    client = _client(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/start/")
    assert response["Location"] == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.created, job.failed) == ("done", 3, 1)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Download problems (CSV)" in page
    assert "not-an-email" in page
    assert "Undo import" in page


def test_progress_part_polls_while_running_and_refreshes_when_done(cast):
    job = _configured(cast.admin)
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_total=4, rows_done=2)
    client = _client(cast.admin)
    part = client.get(f"/imports/{job.pk}/?part=progress", HTTP_HX_REQUEST="true")
    html = part.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert '<progress max="4" value="2"' in html
    assert "HX-Refresh" not in part
    ImportJob.objects.filter(pk=job.pk).update(status="done", rows_done=4)
    done = client.get(f"/imports/{job.pk}/?part=progress", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_problems_download_is_a_csv_of_every_problem(cast, django_capture_on_commit_callbacks):
    job = _imported(cast.admin, django_capture_on_commit_callbacks)
    response = _client(cast.admin).get(f"/imports/{job.pk}/problems.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert f"import-{job.pk}-problems.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("line,column,value,reason")
    assert lines[1].startswith("4,Email,not-an-email,")


def test_undo_asks_first_then_removes_what_the_import_created(
    cast, django_capture_on_commit_callbacks
):
    job = _imported(cast.admin, django_capture_on_commit_callbacks)
    client = _client(cast.admin)
    confirm = client.get(f"/imports/{job.pk}/undo/").content.decode()
    assert "Yes, undo the import" in confirm
    assert Contact.objects.count() == 3
    response = client.post(f"/imports/{job.pk}/undo/")
    assert response["Location"] == f"/imports/{job.pk}/"
    assert Contact.objects.count() == 0
    job.refresh_from_db()
    assert job.status == "undone"


def test_a_refused_undo_shows_the_reason(cast, django_capture_on_commit_callbacks):
    job = _imported(cast.admin, django_capture_on_commit_callbacks)
    touch_log(contact=Contact.objects.get(email="bob@bolt.test"), kind="email_click")
    response = _client(cast.admin).post(f"/imports/{job.pk}/undo/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This import cannot be undone" in page
    assert "a touch was recorded later for bob@bolt.test" in page
    assert Contact.objects.count() == 3


def test_the_list_reads_a_fixed_number_of_queries_however_many_imports(cast):
    client = _client(cast.admin)
    _upload(cast.admin)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/imports/").status_code == 200
    for _ in range(3):
        _upload(cast.marketing_manager)
    with CaptureQueriesContext(connection) as four:
        page = client.get("/imports/").content.decode()
    assert page.count("hubspot-contacts.csv") == 4
    assert len(four) == len(one)


def test_a_stopped_import_is_resumed_from_its_page(cast, django_capture_on_commit_callbacks):
    job = _configured(cast.admin)
    ImportJob.objects.filter(pk=job.pk).update(status="failed", error="the database went away")
    client = _client(cast.admin)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "The import stopped: the database went away." in page
    assert "Resume the import" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/start/")
    job.refresh_from_db()
    assert (job.status, job.created, job.failed) == ("done", 3, 1)


def test_an_empty_file_is_refused_beside_the_field(cast):
    file = SimpleUploadedFile("empty.csv", b"")
    response = _client(cast.admin).post("/imports/new/", {"object_type": "contacts", "file": file})
    assert response.status_code == 200
    assert (
        '<p class="error" id="import-file-err">the file is empty</p>' in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_a_sales_manager_maps_a_hubspot_deal_stage_to_a_pipeline_stage(cast):
    deals = (Path(__file__).parent / "files" / "hubspot-deals-semicolon.csv").read_bytes()
    client = _client(cast.sales_manager)
    file = SimpleUploadedFile("deals.csv", deals)
    response = client.post("/imports/new/", {"object_type": "deals", "file": file})
    job = ImportJob.objects.get()
    mapping = client.get(response["Location"]).content.decode()
    assert "semicolons" in mapping
    assert "HubSpot deals export" in mapping
    assert "Dates read as day/month/year" in mapping
    form = {f"col-{n}": job.mapping[h] for n, h in enumerate(job.headers)}
    client.post(f"/imports/{job.pk}/map/", form)
    page = client.get(f"/imports/{job.pk}/values/").content.decode()
    assert '<h2 id="values-stage">Stage</h2>' in page
    assert "somethingodd" in page
    assert '<option value="Won" selected>Won</option>' in page  # closedwon
    assert '<option value="Discovery" selected>Discovery</option>' in page  # appointment…


def test_a_saved_preset_fills_the_targets_when_chosen(cast):
    first = _upload(cast.marketing_manager)
    mapping = {**first.mapping, "Job Title": "", "Company name": ""}
    services.import_configure(user=cast.marketing_manager, job=first, mapping=mapping)
    preset = services.import_preset_save(user=cast.marketing_manager, job=first, name="Lean")
    job = _upload(cast.marketing_manager)
    client = _client(cast.marketing_manager)
    suggested = client.get(f"/imports/{job.pk}/map/").content.decode()
    assert '<option value="title" selected>Job title</option>' in suggested
    page = client.get(f"/imports/{job.pk}/map/", {"preset": f"saved-{preset.pk}"}).content.decode()
    assert f'<option value="saved-{preset.pk}" selected>Lean (saved)</option>' in page
    assert '<option value="title" selected>Job title</option>' not in page
    assert '<option value="email" selected>Email</option>' in page


def test_only_who_may_change_an_import_is_offered_its_undo(
    cast, django_capture_on_commit_callbacks
):
    job = _imported(cast.marketing_manager, django_capture_on_commit_callbacks)
    for reader in (cast.leadership, cast.sales_manager):
        client = _client(reader)
        page = client.get(f"/imports/{job.pk}/").content.decode()
        assert "Download problems (CSV)" in page
        assert "Undo import" not in page
        assert client.get(f"/imports/{job.pk}/undo/").status_code == 403
    assert (
        "Undo import" in _client(cast.marketing_manager).get(f"/imports/{job.pk}/").content.decode()
    )
