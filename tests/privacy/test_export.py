"""Everything held on one person, in one zip: JSON and one CSV per table; audited without it."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied

from tandem.audit.models import AuditEntry
from tandem.privacy import services as privacy
from tests.privacy.conftest import EMAIL, FIRST, LAST, OLD_EMAIL, PHONE


def _open(archive: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(archive))


def test_the_zip_holds_every_table_about_them(person, cast):
    archive = _open(
        privacy.personal_data_export(actor=cast.marketing_manager, contact=person.contact)
    )
    data = json.loads(archive.read("personal-data.json"))
    contact = data["contact"]
    assert (contact["email"], contact["first_name"], contact["last_name"], contact["phone"]) == (
        EMAIL,
        FIRST,
        LAST,
        PHONE,
    )
    assert contact["custom"] == {"hobby": f"{FIRST} collects quills"}
    tables = data["tables"]
    counts = {name: len(rows) for name, rows in tables.items() if rows}
    assert counts["people.Consent"] == 1
    assert counts["people.EmailAlias"] == 1 and tables["people.EmailAlias"][0]["email"] == OLD_EMAIL
    assert counts["marketing.FormSubmission"] == 1
    assert counts["marketing.Visit"] == 1
    assert counts["mailing.EmailRecipient"] == 1
    assert counts["mailing.EmailClick"] == 1
    assert counts["collaboration.SurveyResponse"] == 1
    assert [a["text"] for a in tables["collaboration.SurveyAnswer"] if a["text"]] == [
        f"{FIRST} here, call {PHONE}"
    ]
    assert counts["sales.CommitteeMember"] == 1
    assert [d["id"] for d in tables["sales.Deal (buying committee)"]] == [person.deal.pk]
    assert counts["handoff.Lead"] == 1
    assert counts["segments.SegmentMember"] == 1
    assert counts["people.LifecycleMove"] >= 3
    assert counts["people.Touch"] >= 4
    # the comment on the deal names them; the one on the contact is theirs already
    assert [c["body"] for c in tables["collaboration.Comment (naming them)"]] == [
        f"@{cast.sales_rep.username} {FIRST} {LAST} asked for a quote"
    ]
    assert counts["collaboration.Comment"] == 1
    # one CSV per table beside the JSON, the contact's first
    names = archive.namelist()
    assert names[:2] == ["personal-data.json", "people.Contact.csv"]
    assert "people.Touch.csv" in names and "sales.Deal_buying_committee.csv" in names
    rows = list(csv.DictReader(io.StringIO(archive.read("people.Contact.csv").decode())))
    assert rows[0]["email"] == EMAIL


def test_the_export_is_audited_without_the_data(person, cast):
    privacy.personal_data_export(actor=cast.admin, contact=person.contact)
    entry = AuditEntry.objects.get(changes__has_key="personal_data_exported")
    assert (entry.actor, entry.record_type, entry.record_id, entry.record_label) == (
        cast.admin,
        "people.contact",
        str(person.contact.pk),
        f"contact #{person.contact.pk}",
    )
    assert entry.changes == {"personal_data_exported": [None, True]}


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "sales_manager", "leadership"])
def test_other_roles_may_not_export(person, cast, role):
    with pytest.raises(PermissionDenied):
        privacy.personal_data_export(actor=cast.by_role(role), contact=person.contact)
