"""Reading files as HubSpot, Salesforce and Excel write them, and refusing the ones we cannot."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import openpyxl
import pytest

from tandem.errors import InvalidInput
from tandem.imports import services
from tandem.imports.models import ImportJob

FILES = Path(__file__).parent / "files"


def _file(name: str) -> bytes:
    return (FILES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "object_type", "found", "preset"),
    [
        (
            "hubspot-contacts-utf8-bom.csv",
            "contacts",
            "UTF-8 with BOM, separated by commas; dates read as year-month-day; "
            "looks like a HubSpot contacts export",
            "hubspot_contacts",
        ),
        (
            "hubspot-companies-utf16.txt",
            "accounts",
            "UTF-16 with BOM, separated by tabs; dates read as year-month-day; "
            "looks like a HubSpot companies export",
            "hubspot_companies",
        ),
        (
            "hubspot-deals-semicolon.csv",
            "deals",
            "UTF-8, separated by semicolons; dates read as day/month/year; "
            "looks like a HubSpot deals export",
            "hubspot_deals",
        ),
        (
            "salesforce-leads-cp1252.csv",
            "contacts",
            "Windows-1252, separated by commas; dates read as year-month-day; "
            "looks like a Salesforce leads report",
            "salesforce_leads",
        ),
        (
            "salesforce-opportunities.csv",
            "deals",
            "UTF-8, separated by commas; dates read as month/day/year; "
            "looks like a Salesforce opportunities report",
            "salesforce_opportunities",
        ),
    ],
    ids=["hubspot-contacts", "hubspot-companies", "hubspot-deals", "sf-leads", "sf-opps"],
)
def test_each_real_layout_is_detected_and_its_preset_picked(
    upload, name, object_type, found, preset
):
    # when the file is uploaded
    job = upload(_file(name), name, object_type)
    # then what was found is said in words, and the preset matching its columns is picked
    assert services.import_describe(job=job) == found
    assert job.preset == preset


def test_utf16_companies_are_read_with_their_accents(upload):
    job = upload(_file("hubspot-companies-utf16.txt"), "companies.txt", "accounts")
    rows = services.import_preview(job=job)
    assert [r["Company name"] for r in rows] == ["Brauerei Süd GmbH", "Åkerlund AB", "NoDomain Co"]
    assert job.mapping["Company Domain Name"] == "domain"


def test_windows_1252_is_read_and_the_salesforce_footer_is_not_a_row(upload):
    job = upload(_file("salesforce-leads-cp1252.csv"), "leads.csv")
    rows = services.import_preview(job=job)
    assert [(r["_line"], r["First Name"], r["Company / Account"]) for r in rows] == [
        ("2", "Renée", "Café Crème SARL"),
        ("3", "François", "Café Crème SARL"),
    ]


def test_a_quoted_newline_stays_in_its_cell_and_lines_are_counted_in_the_file(upload):
    job = upload(_file("hubspot-contacts-utf8-bom.csv"), "contacts.csv")
    rows = services.import_preview(job=job)
    assert rows[1]["Job Title"] == "Head of\r\nOperations"
    # the record after the two-line one starts on line 5
    assert [r["_line"] for r in rows[:3]] == ["2", "3", "5"]


@pytest.mark.parametrize(
    "delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "bar"]
)
def test_each_delimiter_is_sniffed(upload, delimiter):
    text = delimiter.join(["Email", "First Name", "Last Name"]) + "\n"
    text += delimiter.join(["a@x.test", "Ann", "Lee, Jr"]) + "\n"
    if delimiter == ",":
        text = text.replace("Lee, Jr", '"Lee, Jr"')
    job = upload(text, "people.csv")
    assert job.delimiter == delimiter
    assert services.import_preview(job=job)[0]["Last Name"] == "Lee, Jr"


def test_an_excel_workbook_is_read_row_by_row(upload):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Email", "First Name", "Amount"])
    sheet.append(["kim@x.test", "Kim", 1234.5])
    sheet.append(["lou@x.test", "Lou", 12])
    data = io.BytesIO()
    book.save(data)
    job = upload(data.getvalue(), "people.xlsx")
    assert job.file_format == "xlsx"
    assert services.import_describe(job=job).startswith("Excel workbook (first sheet)")
    assert [(r["Email"], r["Amount"]) for r in services.import_preview(job=job)] == [
        ("kim@x.test", "1234.5"),
        ("lou@x.test", "12"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\r\n\r\n", "the file is empty"),
        (codecs.BOM_UTF8, "the file is empty"),
        (b"Email,First Name\r\n", "the file has a header row but no rows of data under it"),
        (
            b"Email,First Name,email\r\na@x.test,Ann,b@x.test\r\n",
            "columns 1 and 3 are both called 'email': rename one so each value has one place to go",
        ),
        (
            (",".join(f"c{i}" for i in range(1001)) + "\r\n1\r\n").encode(),
            "the header row has 1,001 columns; Tandem reads at most 1,000",
        ),
        (b"PK\x03\x04 not really a workbook", "this is not an Excel workbook Tandem can read"),
    ],
    ids=["empty", "blank-lines", "bom-only", "header-only", "duplicate", "too-wide", "bad-xlsx"],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_clear_message(upload, content, message):
    with pytest.raises(InvalidInput) as refused:
        upload(content, "bad.xlsx" if content.startswith(b"PK") else "bad.csv")
    assert refused.value.errors["file"].startswith(message)
    assert not ImportJob.objects.exists()
