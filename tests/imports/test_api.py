"""/api/v1/imports: a HubSpot export uploaded, configured, dry run, imported and undone by
token, with the permission matrix enforced on the server."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.people.models import Contact
from tests.api.conftest import (
    api,  # noqa: F401  (the fixture: a client per role)
    fields_of,
)
from tests.imports.door_files import HUBSPOT_CONTACTS


def _upload(client, object_type: str = "contacts", content: str = HUBSPOT_CONTACTS):
    file = SimpleUploadedFile("hubspot-contacts.csv", content.encode())
    return client.client.post("/api/v1/imports", {"object_type": object_type, "file": file})


def _configured(client, **options):
    job = _upload(client).json()
    values = client.get(f"/imports/{job['id']}/values").json()
    value_maps = {t: {v["value"]: v["suggested"] for v in rows} for t, rows in values.items()}
    body = {"mapping": job["mapping"], "value_maps": value_maps, **options}
    response = client.put(f"/imports/{job['id']}/configuration", body)
    assert response.status_code == 200, response.json()
    return response.json()


def test_upload_answers_what_was_detected_and_the_suggested_mapping(api):  # noqa: F811
    response = _upload(api("marketing_manager"))
    assert response.status_code == 201
    job = response.json()
    assert job["status"] == "uploaded"
    assert job["object_type"] == "contacts"
    assert job["detected"] == {
        "file_format": "csv",
        "encoding": "utf-8",
        "has_bom": True,
        "delimiter": ",",
        "header_line": 1,
        "headers": [
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Job Title",
            "Lifecycle Stage",
            "Contact owner",
            "Company name",
            "Company Domain Name",
        ],
        "date_order": "iso",
        "preset": "hubspot_contacts",
    }
    assert job["mapping"]["Email"] == "email"
    assert job["mapping"]["Record ID"] == "external_id"


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "leadership", "employee"])
def test_a_role_that_may_not_import_is_refused(api, role):  # noqa: F811
    response = _upload(api(role))
    assert response.status_code == 403
    assert api(role).get("/imports").json()["items"] == []


def test_a_marketing_manager_may_not_import_deals(api):  # noqa: F811
    response = _upload(api("marketing_manager"), "deals", "Deal Name,Amount\r\nBig,10\r\n")
    assert response.status_code == 403


def test_no_token_is_401(db):
    from django.test import Client

    assert Client().get("/api/v1/imports").status_code == 401


def test_another_importer_reads_the_job_but_may_not_change_it(api):  # noqa: F811
    job = _upload(api("marketing_manager")).json()
    assert api("sales_manager").get(f"/imports/{job['id']}").status_code == 200
    response = api("sales_manager").put(
        f"/imports/{job['id']}/configuration", {"mapping": job["mapping"]}
    )
    assert response.status_code == 403


def test_values_to_map_count_each_value_with_a_suggestion(api, cast):  # noqa: F811
    client = api("admin")
    job = _upload(client).json()
    body = {"mapping": job["mapping"], "value_maps": job["value_maps"]}
    client.put(f"/imports/{job['id']}/configuration", body)
    values = client.get(f"/imports/{job['id']}/values").json()
    assert values["lifecycle_stage"] == [
        {"value": "lead", "suggested": "lead", "count": 2},
        {"value": "marketingqualifiedlead", "suggested": "mql", "count": 1},
        {"value": "customer", "suggested": "customer", "count": 1},
    ]
    assert values["owner"] == [
        {"value": "sam@tandem.test", "suggested": str(cast.sales_rep.pk), "count": 2}
    ]


def test_a_bad_mapping_names_the_column(api):  # noqa: F811
    client = api("admin")
    job = _upload(client).json()
    mapping = {**job["mapping"], "Job Title": "email"}
    response = client.put(f"/imports/{job['id']}/configuration", {"mapping": mapping})
    assert response.status_code == 422
    assert fields_of(response) == ["mapping.Job Title"]


def test_dry_run_then_start_then_undo(api, django_capture_on_commit_callbacks):  # noqa: F811
    client = api("admin")
    job = _configured(client, mode="create_and_update")
    dry = client.post(f"/imports/{job['id']}/dry-run").json()
    assert (dry["to_create"], dry["to_update"], dry["failed"]) == (3, 0, 1)
    assert [(p["line"], p["column"], p["value"], p["is_row_skipped"]) for p in dry["problems"]] == [
        (4, "Email", "not-an-email", False),
        (4, "", "", True),
    ]
    assert Contact.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/imports/{job['id']}/start")
    assert started.status_code == 202
    done = client.get(f"/imports/{job['id']}").json()
    assert (done["status"], done["rows_done"], done["rows_total"]) == ("done", 4, 4)
    assert (done["created"], done["updated"], done["skipped"], done["failed"]) == (3, 0, 0, 1)
    csv = client.get(f"/imports/{job['id']}/problems.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert (
        b"".join(csv.streaming_content).decode().splitlines()[1].startswith("4,Email,not-an-email,")
    )
    undone = client.post(f"/imports/{job['id']}/undo")
    assert undone.status_code == 200
    assert undone.json()["status"] == "undone"
    assert Contact.objects.count() == 0
    again = client.post(f"/imports/{job['id']}/undo")
    assert again.status_code == 422
    assert fields_of(again) == ["job"]


def test_presets_list_the_built_in_ones_and_a_saved_one(api):  # noqa: F811
    client = api("marketing_manager")
    job = _configured(client)
    saved = client.post(f"/imports/{job['id']}/preset", {"name": "Our HubSpot"})
    assert saved.status_code == 201
    presets = client.get("/imports/presets", object_type="contacts").json()
    names = [(p["name"], p["is_built_in"]) for p in presets]
    assert ("HubSpot contacts export", True) in names
    assert ("Salesforce leads report", True) in names
    assert ("Our HubSpot", False) in names
    assert all(p["object_type"] == "contacts" for p in presets)
    blank = client.post(f"/imports/{job['id']}/preset", {"name": ""})
    assert blank.status_code == 422


def test_the_list_reads_a_fixed_number_of_queries_however_many_imports(api):  # noqa: F811
    client = api("admin")
    _upload(client)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/imports").json()["count"] == 1
    for _ in range(3):
        _upload(api("marketing_manager"))
    with CaptureQueriesContext(connection) as four:
        assert client.get("/imports").json()["count"] == 4
    assert len(four) == len(one)
