"""A list filtered on screen and its download hold the same records: each list page's export
links carry the page's whole query (custom-field filter and chosen columns included), and
the CSV and the XLSX list exactly the rows the page lists."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from tandem.fields.field_services import custom_field_archive
from tandem.fields.services import custom_field_define
from tandem.segments import services as segments
from tests.factories import AccountFactory, ContactFactory


@dataclass(frozen=True)
class Case:
    page: str  # the list page, with the filters on screen
    list: str  # the export's name
    row_id: str  # a pattern whose group is the id of a listed record on the page
    id_column: str  # the export's column holding that id


def _rows(fmt: str, response) -> list[list]:
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [list(r) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def world(cast, mql):
    """Contacts and deals with custom values on both sides of each filter; a segment; a lead."""
    from tandem.sales import services as sales

    custom_field_define(entity="contact", label="Plants", kind="number")
    custom_field_define(entity="contact", label="Nickname", kind="text")
    custom_field_define(entity="deal", label="Region code", kind="text")
    acme = AccountFactory(name="Acme")
    people = [
        ContactFactory(
            email=f"p{n}@acme.test", account=acme, lifecycle_stage=stage, custom={"plants": n}
        )
        for n, stage in ((5, "lead"), (20, "lead"), (40, "lead"), (60, "subscriber"))
    ]
    ContactFactory(email="far@other.test", lifecycle_stage="lead", custom={"plants": 90})
    for name, region in (("North pilot", "NE-1"), ("North roll-out", "NE-2"), ("South", "SW")):
        deal = sales.deal_open(
            actor=cast.sales_rep, name=name, owner=cast.sales_rep, amount=Decimal(100)
        )
        deal.custom = {"region_code": region}
        deal.save(update_fields=["custom"])
    segment = segments.segment_create(actor=cast.marketer, name="Acme people", kind="static")
    segments.segment_members_add(actor=cast.marketer, segment=segment, contacts=people[:3])
    return segment


def _cases(segment_id: int) -> dict[str, Case]:
    return {
        "contacts": Case(
            "/contacts/?q=acme&stage=lead&cf=plants&cf_op=gte&cf_value=10&cols=nickname",
            "contacts",
            r'<tr><td><a href="/contacts/(\d+)/">',
            "Id",
        ),
        "deals": Case(
            "/sales/deals/?outcome=open&cf=region_code&cf_op=contains&cf_value=NE&cols=region_code",
            "deals",
            r'href="/sales/deals/(\d+)/"',
            "Id",
        ),
        "leads": Case("/sales/", "leads", r'<tr id="lead-(\d+)"', "Id"),
        "segment members": Case(
            f"/segments/{segment_id}/",
            "segment-members",
            r'<td><a href="/contacts/(\d+)/">',
            "Contact id",
        ),
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("which", ["contacts", "deals", "leads", "segment members"])
def test_the_download_holds_the_records_on_screen(cast, world, which, fmt):
    case = _cases(world.pk)[which]
    client = Client()
    client.force_login(cast.sales_manager if which != "segment members" else cast.marketer)
    # given the list page with its filters
    page = client.get(case.page).content.decode()
    on_screen = [int(i) for i in dict.fromkeys(re.findall(case.row_id, page))]
    assert on_screen, "the page lists some records"
    # when its own download link is followed
    link = re.search(rf'href="(/exports/lists/{case.list}\.{fmt}[^"]*)"', page)
    assert link, f"the page offers the {fmt} download"
    rows = _rows(fmt, client.get(html.unescape(link.group(1))))
    # then the file holds exactly the records on screen, in the page's order
    at = rows[0].index(case.id_column)
    assert [int(r[at]) for r in rows[1:]] == on_screen


def test_the_contacts_download_follows_the_custom_filter_and_columns(cast, world):
    client = Client()
    client.force_login(cast.marketer)
    query = {"q": "acme", "cf": "plants", "cf_op": "between", "cf_value": "10", "cf_value_to": "50"}
    rows = _rows("csv", client.get("/exports/lists/contacts.csv", {**query, "cols": "plants"}))
    assert rows[0] == ["Name", "Email", "Company", "Stage", "Score", "Owner", "Plants", "Id"]
    assert sorted(r[1] for r in rows[1:]) == ["p20@acme.test", "p40@acme.test"]
    # a bad custom filter is refused naming the query parameter
    bad = client.get("/exports/lists/contacts.csv", {**query, "cf_value": "many"})
    assert bad.status_code == 400
    assert bad.content.decode().startswith("cf_value: ")


def test_an_archived_field_is_still_in_the_download(cast, world):
    from tandem.fields.models import CustomField

    custom_field_archive(actor=cast.admin, field=CustomField.objects.get(key="plants"))
    client = Client()
    client.force_login(cast.marketer)
    rows = _rows("csv", client.get("/exports/lists/contacts.csv", {"q": "p40@"}))
    assert rows[0][6:] == ["Plants", "Nickname", "Id"]
    assert rows[1][6] == "40"


def test_an_xlsx_download_past_a_sheets_rows_goes_on_in_next_sheets(cast, world, monkeypatch):
    from tandem.core import tables

    # given sheets of two rows (a header and one record)
    monkeypatch.setattr(tables, "XLSX_SHEET_ROWS", 2)
    client = Client()
    client.force_login(cast.marketer)
    response = client.get("/exports/lists/contacts.xlsx", {"q": "acme"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    # then the five Acme contacts are on five sheets, none lost
    sheets = [list(s.iter_rows(values_only=True)) for s in book.worksheets]
    assert [len(s) for s in sheets] == [2, 2, 2, 2, 2]
    assert sorted(s[1][1] for s in sheets) == [
        "ann@acme.test", "p20@acme.test", "p40@acme.test", "p5@acme.test", "p60@acme.test",
    ]  # fmt: skip
