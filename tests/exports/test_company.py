"""The company export: a zip of every table, Parquet for analysts, a manifest, no secrets."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pyarrow.parquet as pq
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tandem.access.models import User
from tandem.access.services import token_issue, user_create
from tandem.audit.models import AuditEntry
from tandem.exports.company import company_export_write
from tandem.exports.models import CompanyExport
from tandem.people.models import Contact, Touch


@pytest.fixture
def company(cast, mql):
    """A small company: the cast (with passwords), a user created through the service (so the
    audit trail holds their password hash), an API token, a lead with a touch."""
    user_create(username="nina", password="a-long-pass-phrase-9", role="marketer", actor=cast.admin)
    _token, raw = token_issue(user=cast.admin, name="warehouse loader")
    return raw


def _zip_of(path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


def test_the_manifest_counts_every_table_as_it_is(company, tmp_path):
    # when the company is exported
    out = tmp_path / "company.zip"
    manifest = company_export_write(out)
    archive = _zip_of(out)
    # then each table's row count is the table's, and its CSV holds that many rows
    assert json.loads(archive.read("manifest.json")) == manifest
    by_name = {t["name"]: t for t in manifest["tables"]}
    for table in manifest["tables"]:
        model = apps.get_model(table["model"])
        assert table["rows"] == model._base_manager.count(), table["name"]
        rows = list(csv.reader(io.StringIO(archive.read(table["file"]).decode())))
        assert len(rows) == table["rows"] + 1
        assert rows[0] == [c["name"] for c in table["columns"]]
    assert by_name["people_contact"]["rows"] == Contact.objects.count() == 1
    assert {"name": "amount", "type": "decimal(14,2)", "nullable": False} in by_name["sales_deal"][
        "columns"
    ]
    assert {
        "name": "account_id",
        "type": "bigint",
        "nullable": True,
        "references": "people_account.id",
    } in by_name["people_contact"]["columns"]
    assert manifest["tandem_version"] == "0.1.0"
    assert manifest["migrations"]["exports"] == ["0001_company_export"]
    assert "people_touch" in by_name and "django_session" not in by_name


def test_no_secret_leaves_in_the_zip(company, cast, tmp_path):
    out = tmp_path / "company.zip"
    manifest = company_export_write(out)
    archive = _zip_of(out)
    cast.admin.refresh_from_db()
    everything = b"".join(archive.read(name) for name in archive.namelist())
    # the audit trail knows the users' hashes; the export does not pass them on
    assert AuditEntry.objects.filter(changes__has_key="password").exists()
    for user in User.objects.all():
        assert user.password.encode() not in everything
    assert b"md5$" not in everything
    assert company.encode() not in everything
    token_hash = cast.admin.api_tokens.get().key_hash
    assert token_hash.encode() not in everything
    omitted = {t["name"]: t["omitted_columns"] for t in manifest["tables"]}
    assert omitted["access_user"] == ["password"]
    assert omitted["access_apitoken"] == ["key_hash"]


def test_touches_and_journeys_are_parquet(company, tmp_path):
    out = tmp_path / "company.zip"
    manifest = company_export_write(out)
    archive = _zip_of(out)
    touches = pq.read_table(io.BytesIO(archive.read("parquet/touches.parquet")))
    assert touches.num_rows == Touch.objects.count() == 1
    assert touches.column("kind").to_pylist() == ["form_submission"]
    journeys = pq.read_table(io.BytesIO(archive.read("parquet/journeys_lead.parquet")))
    assert journeys.schema.names == [
        "journey_id",
        "touched_at",
        "channel",
        "touch_kind",
        "converted",
        "value",
    ]
    assert journeys.column("converted").to_pylist() == [True]
    assert [p["rows"] for p in manifest["parquet"]] == [1, 1, 1, 1]


def test_the_cli_writes_the_zip(company, tmp_path):
    out = tmp_path / "out.zip"
    stdout = io.StringIO()
    call_command("export", "--all", "--out", str(out), "--no-progress", stdout=stdout)
    manifest = json.loads(_zip_of(out).read("manifest.json"))
    rows = sum(t["rows"] for t in manifest["tables"])
    assert stdout.getvalue() == f"{out} — {len(manifest['tables'])} tables, {rows:,} rows\n"
    assert manifest["snapshot"] is True
    assert not (tmp_path / "out.zip.partial").exists()


def test_the_cli_asks_for_all(db):
    with pytest.raises(CommandError, match="say --all"):
        call_command("export")


def test_an_admin_builds_and_downloads_the_export(
    company, cast, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    client.force_login(cast.admin)
    page = client.get("/exports/company/")
    assert page.status_code == 200
    assert b"Build a new export" in page.content
    # when the admin asks for an export, the worker builds it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exports/company/")
    assert response.status_code == 302
    export = CompanyExport.objects.get()
    assert (export.status, export.progress, export.requested_by) == ("done", 100, cast.admin)
    assert (
        export.rows > 0
        and export.size_bytes == (tmp_path / "exports" / export.file_name).stat().st_size
    )
    assert AuditEntry.objects.filter(record_type="exports.companyexport").count() == 1
    # then the page offers it and the download is the zip
    listed = client.get("/exports/company/").content.decode()
    assert f"/exports/company/{export.pk}/download/" in listed
    download = client.get(f"/exports/company/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    # read table by table: the worker's progress is written to the export's row meanwhile
    assert json.loads(archive.read("manifest.json"))["snapshot"] is False
    # and deleting it removes the file
    client.post(f"/exports/company/{export.pk}/delete/")
    assert not CompanyExport.objects.exists()
    assert list((tmp_path / "exports").iterdir()) == []


@pytest.mark.parametrize("role", ["marketing_manager", "sales_manager", "leadership"])
def test_only_admins_reach_the_company_export(cast, client, role):
    client.force_login(cast.by_role(role))
    assert client.get("/exports/company/").status_code == 403
    assert client.post("/exports/company/").status_code == 403
    assert not CompanyExport.objects.exists()


def test_anonymous_is_sent_to_log_in_for_the_company_export(db, client):
    response = client.get("/exports/company/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
