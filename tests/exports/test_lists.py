"""Lists downloaded as CSV and XLSX: the page's rows and columns, with its filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from tandem.fields.services import custom_field_define
from tandem.sales import services as sales
from tests.factories import AccountFactory, ContactFactory


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


@pytest.fixture
def contacts(cast):
    """Three contacts; two at Acme, one of them a lead; custom fields on contacts."""
    custom_field_define(entity="contact", label="Plants", kind="number")
    custom_field_define(entity="contact", label="Region code", kind="text")
    acme = AccountFactory(name="Acme")
    ann = ContactFactory(
        email="ann@acme.test",
        first_name="Ann",
        last_name="Archer",
        account=acme,
        lifecycle_stage="lead",
        score=40,
        owner=cast.sales_rep,
        custom={"plants": -3, "region_code": "=cmd|' /C calc'!A0"},
    )
    bob = ContactFactory(
        email="bob@acme.test", first_name="Bob", last_name="Baker", account=acme, score=5
    )
    ContactFactory(email="cy@other.test", first_name="Cy", last_name="Cole")
    return ann, bob


def test_contacts_csv_is_the_filtered_page_with_custom_columns(client, cast, contacts):
    # given the contact list filtered to Acme's leads
    ann, _bob = contacts
    client.force_login(cast.marketer)
    # when it is downloaded as CSV
    response = client.get("/exports/lists/contacts.csv", {"q": "acme", "stage": "lead"})
    # then the file holds that one row, in the page's columns, then the custom fields and id
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="contacts-' in response["Content-Disposition"]
    assert _csv(response) == [
        ["Name", "Email", "Company", "Stage", "Score", "Owner", "Plants", "Region code", "Id"],
        [
            "Ann Archer",
            "ann@acme.test",
            "Acme",
            "Lead",
            "40",
            str(cast.sales_rep),
            "-3",
            "'=cmd|' /C calc'!A0",
            str(ann.pk),
        ],
    ]


def test_contacts_page_offers_the_downloads_with_its_filters(client, cast, contacts):
    client.force_login(cast.marketer)
    page = client.get("/contacts/", {"q": "acme", "stage": "lead"}).content.decode()
    assert "/exports/lists/contacts.csv?q=acme&amp;stage=lead" in page
    assert "/exports/lists/contacts.xlsx?q=acme&amp;stage=lead" in page


def test_contacts_xlsx_keeps_numbers_numbers(client, cast, contacts):
    client.force_login(cast.marketer)
    response = client.get("/exports/lists/contacts.xlsx", {"q": "ann@"})
    assert response.status_code == 200
    rows = _xlsx(response)
    assert rows[0][:7] == ("Name", "Email", "Company", "Stage", "Score", "Owner", "Plants")
    assert rows[1][4] == 40
    assert rows[1][6] == -3
    assert rows[1][7] == "'=cmd|' /C calc'!A0"
    assert len(rows) == 2


def test_anonymous_is_sent_to_log_in(client, contacts):
    response = client.get("/exports/lists/contacts.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.fixture
def deals(cast, pinned_today):
    custom_field_define(entity="deal", label="Seats", kind="money")
    mine = sales.deal_open(
        actor=cast.sales_rep,
        name="Acme rollout",
        owner=cast.sales_rep,
        amount=Decimal("12000"),
        expected_close_on=pinned_today + dt.timedelta(days=10),
    )
    mine.custom = {"seats": "-250.50"}
    mine.save(update_fields=["custom"])
    sales.deal_open(
        actor=cast.other_team_rep,
        name="Other rollout",
        owner=cast.other_team_rep,
        amount=Decimal("9000"),
        expected_close_on=pinned_today + dt.timedelta(days=5),
    )
    sales.deal_open(
        actor=cast.sales_rep, name="Small add-on", owner=cast.sales_rep, amount=Decimal("100")
    )
    return mine


def test_a_rep_exports_only_the_deals_the_rep_sees(client, cast, deals):
    client.force_login(cast.sales_rep)
    rows = _csv(client.get("/exports/lists/deals.csv"))
    assert [r[0] for r in rows] == ["Deal", "Acme rollout", "Small add-on"]


def test_a_manager_exports_the_filtered_deal_list_soonest_close_first(client, cast, deals):
    client.force_login(cast.leadership)
    rows = _csv(client.get("/exports/lists/deals.csv", {"q": "rollout"}))
    assert [r[0] for r in rows] == ["Deal", "Other rollout", "Acme rollout"]
    header, acme = rows[0], rows[2]
    assert header[:7] == ["Deal", "Account", "Stage", "Pipeline", "Owner", "Amount", "Forecast"]
    assert header[-2:] == ["Seats", "Id"]
    assert acme[5] == "12000.00"
    assert acme[-2] == "-250.50"


def test_deals_xlsx_amounts_are_numbers(client, cast, deals):
    client.force_login(cast.sales_rep)
    rows = _xlsx(client.get("/exports/lists/deals.xlsx", {"q": "acme"}))
    assert len(rows) == 2
    assert rows[1][5] == 12000
    assert rows[1][-2] == -250.5


def test_a_bad_filter_is_refused_naming_it(client, cast, deals):
    client.force_login(cast.sales_rep)
    response = client.get("/exports/lists/deals.csv", {"outcome": "maybe"})
    assert response.status_code == 400
    assert response.content.decode() == "outcome: choose one of: open, won, lost"


def test_leads_export_is_the_reps_own_leads(client, cast, mql):
    # given a lead handed off to sam from the spring webinar
    client.force_login(cast.sales_rep)
    # when sam downloads the waiting leads, as the queue offers
    queue = client.get("/sales/").content.decode()
    assert "/exports/lists/leads.csv?queue=1" in queue
    rows = _csv(client.get("/exports/lists/leads.csv", {"queue": "1"}))
    # then the one lead is there; another rep's file is empty
    assert rows[0] == [
        "Lead",
        "Company",
        "Campaign",
        "Score",
        "Waiting since",
        "Status",
        "Rep",
        "Id",
    ]
    assert [r[:3] + r[5:7] for r in rows[1:]] == [
        ["Ann Archer", "Acme", "Spring webinar", "Waiting for sales", str(cast.sales_rep)]
    ]
    client.force_login(cast.other_team_rep)
    assert _csv(client.get("/exports/lists/leads.csv")) == [rows[0]]


def test_an_unknown_lead_status_is_refused(client, cast, mql):
    client.force_login(cast.sales_rep)
    response = client.get("/exports/lists/leads.csv", {"status": "pending"})
    assert response.status_code == 400
    assert response.content.decode() == "status: choose one of: waiting, accepted, rejected"


@pytest.fixture
def static_list(cast, contacts):
    from tandem.segments import services as segments

    segment = segments.segment_create(actor=cast.marketer, name="Acme people", kind="static")
    segments.segment_members_add(actor=cast.marketer, segment=segment, contacts=list(contacts))
    return segment


def test_segment_members_export_lists_every_member(client, cast, static_list):
    client.force_login(cast.marketer)
    page = client.get(f"/segments/{static_list.pk}/").content.decode()
    assert f"/exports/lists/segment-members.xlsx?segment={static_list.pk}" in page
    rows = _xlsx(client.get("/exports/lists/segment-members.xlsx", {"segment": static_list.pk}))
    assert rows[0] == ("Name", "Email", "Company", "Stage", "Score", "Member since", "Contact id")
    assert [r[:5] for r in rows[1:]] == [
        ("Bob Baker", "bob@acme.test", "Acme", "Subscriber", 5),
        ("Ann Archer", "ann@acme.test", "Acme", "Lead", 40),
    ]


def test_segment_members_are_refused_to_who_cannot_see_segments(client, cast, static_list):
    client.force_login(cast.employee)
    response = client.get("/exports/lists/segment-members.csv", {"segment": static_list.pk})
    assert response.status_code == 403


def test_campaign_results_follow_the_period_on_screen(pinned_today, client, cast, mql):
    client.force_login(cast.marketing_manager)
    page = client.get("/marketing/", {"period": "month"}).content.decode()
    assert "/exports/lists/campaign-results.csv?period=month" in page
    rows = _csv(client.get("/exports/lists/campaign-results.csv", {"period": "month"}))
    assert rows == [
        [
            "Campaign",
            "Channel",
            "Leads",
            "MQLs",
            "Accepted",
            "Rejected",
            "Acceptance (%)",
            "Why sales rejected",
            "Won revenue",
        ],
        ["Spring webinar", "Webinars", "1", "1", "0", "0", "", "", "0"],
    ]


def test_campaign_results_are_refused_to_sales_reps(client, cast, mql):
    client.force_login(cast.sales_rep)
    assert client.get("/exports/lists/campaign-results.csv").status_code == 403


def test_every_kind_of_custom_value_becomes_a_cell(client, cast):
    # given an account with a value of each kind
    custom_field_define(entity="account", label="Partner", kind="yes_no")
    custom_field_define(entity="account", label="Lines", kind="choices", choices=["A", "B", "C"])
    custom_field_define(entity="account", label="Renewal", kind="date")
    custom_field_define(entity="account", label="Budget", kind="money")
    custom_field_define(entity="account", label="Tier", kind="choice", choices=["Gold", "+1"])
    AccountFactory(
        name="Acme",
        custom={
            "partner": False,
            "lines": ["A", "C"],
            "renewal": "2027-03-01",
            "budget": "1250.50",
            "tier": "+1",
        },
    )
    AccountFactory(name="Bare", custom={"partner": True})
    client.force_login(cast.marketer)
    # when the accounts are downloaded
    rows = _csv(client.get("/exports/lists/accounts.csv"))
    xlsx = _xlsx(client.get("/exports/lists/accounts.xlsx"))
    # then each value reads as the page shows it, a number stays a number
    assert rows[0][7:12] == ["Partner", "Lines", "Renewal", "Budget", "Tier"]
    assert rows[1][:1] + rows[1][7:12] == ["Acme", "No", "A; C", "2027-03-01", "1250.50", "'+1"]
    assert rows[2][:1] + rows[2][7:12] == ["Bare", "Yes", "", "", "", ""]
    assert xlsx[1][7:12] == ("No", "A; C", "2027-03-01", 1250.5, "'+1")


def _queries_to_download(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("path", ["/exports/lists/contacts.csv", "/exports/lists/deals.csv"])
def test_a_download_reads_the_same_few_queries_for_any_number_of_rows(client, cast, path):
    # given a list of three records, then of thirty
    custom_field_define(entity="contact", label="Plants", kind="number")
    custom_field_define(entity="deal", label="Seats", kind="number")
    client.force_login(cast.sales_manager)

    def grow(n: int) -> None:
        for _ in range(n):
            contact = ContactFactory(owner=cast.sales_rep, custom={"plants": 3})
            sales.deal_open(
                actor=cast.sales_rep, name="Deal", owner=cast.sales_rep, contact=contact
            )

    grow(3)
    few = _queries_to_download(client, path)
    grow(27)
    # then the download reads as many queries: no query per row
    assert _queries_to_download(client, path) == few
    assert few == 4  # the session, the user, the custom fields, the rows
