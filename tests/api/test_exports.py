"""The API's downloads: contacts, deals, leads and segment members as CSV or XLSX."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tandem.sales import services as sales
from tests.factories import AccountFactory, ContactFactory


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def people(cast):
    acme = AccountFactory(name="Acme")
    ContactFactory(email="ann@acme.test", first_name="@SUM(1)", last_name="Archer", account=acme)
    ContactFactory(email="bob@other.test", first_name="Bob", last_name="Baker", owner=cast.admin)


def test_contacts_as_csv_with_the_list_filters(api, people):
    response = api("marketer").get("/exports/contacts", search="acme")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    assert rows[0][:6] == ["Name", "Email", "Company", "Stage", "Score", "Owner"]
    assert [r[:3] for r in rows[1:]] == [["'@SUM(1) Archer", "ann@acme.test", "Acme"]]


def test_contacts_as_xlsx(api, people, cast):
    response = api("marketer").get("/exports/contacts", format="xlsx", owner_id=cast.admin.pk)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert [r[1] for r in rows] == ["Email", "bob@other.test"]


def test_a_rep_downloads_only_own_deals_and_filters_apply(api, cast):
    for owner, name in ((cast.sales_rep, "Mine"), (cast.other_team_rep, "Theirs")):
        sales.deal_open(actor=owner, name=name, owner=owner, amount=100)
    sales.deal_open(actor=cast.sales_rep, name="Mine too", owner=cast.sales_rep, amount=5)
    rows = _csv(api("sales_rep").get("/exports/deals"))
    assert sorted(r[0] for r in rows[1:]) == ["Mine", "Mine too"]
    rows = _csv(api("sales_manager").get("/exports/deals", q="too", outcome="open"))
    assert [r[0] for r in rows[1:]] == ["Mine too"]


def test_a_bad_filter_answers_the_error_format(api, cast):
    response = api("sales_rep").get("/exports/deals", outcome="maybe")
    assert response.status_code == 422
    assert response.json() == {
        "errors": [{"field": "outcome", "message": "choose one of: open, won, lost"}]
    }


def test_no_token_no_file(db, client):
    response = client.get("/api/v1/exports/contacts")
    assert response.status_code == 401


def test_segment_members_refused_to_an_employee(api, cast):
    from tandem.segments import services as segments

    segment = segments.segment_create(actor=cast.marketer, name="List", kind="static")
    assert api("employee").get(f"/exports/segments/{segment.pk}/members").status_code == 403
    assert api("marketer").get(f"/exports/segments/{segment.pk}/members").status_code == 200
