"""List endpoints: limit/offset pagination with a count, filters, and a fixed number of queries."""

import pytest

from tandem.handoff import services as handoff
from tandem.people import services as people
from tandem.people.lifecycle import Stage
from tandem.sales import services as sales

ROWS = 30
# The token, the count and the page: a list costs the same however many rows it shows.
LIST_QUERIES = 3


@pytest.fixture
def book(cast):
    """Thirty accounts, contacts, touches, deals and hand-offs of Sam's."""
    for i in range(ROWS):
        account = people.account_create(actor=cast.admin, name=f"Firm {i:02}", owner=cast.sales_rep)
        contact = people.contact_create(
            actor=cast.admin, email=f"p{i:02}@firm.test", owner=cast.sales_rep, account=account
        )
        handoff.touch_log(contact=contact, kind="note", actor=cast.sales_rep, summary="Hello")
        deal = sales.deal_open(
            actor=cast.admin, name=f"Deal {i:02}", owner=cast.sales_rep, contact=contact, amount=10
        )
        sales.deal_notes_update(actor=cast.admin, deal=deal, notes=f"note {i}")
        handoff.lead_hand_off(contact=people.contact_create(actor=cast.admin, email=f"l{i}@x.test"))
    return cast


def test_contacts_page_by_limit_and_offset_with_the_total_count(api, book):
    page = api("marketer").get("/contacts", limit=10, offset=25).json()

    assert page["count"] == 2 * ROWS  # thirty customers and thirty handed-off leads
    created = [e for i in range(ROWS) for e in (f"p{i:02}@firm.test", f"l{i}@x.test")]
    assert [c["email"] for c in page["items"]] == created[25:35]  # in the order of their ids


def test_deals_page_by_limit_and_offset(api, book):
    first = api("sales_rep").get("/deals", limit=7).json()
    last = api("sales_rep").get("/deals", limit=7, offset=28).json()

    assert (first["count"], len(first["items"]), len(last["items"])) == (ROWS, 7, 2)
    assert [d["name"] for d in last["items"]] == ["Deal 28", "Deal 29"]
    assert last["items"][0]["private_notes"] == "note 28"


def test_default_page_is_a_hundred_rows(api, book):
    page = api("marketer").get("/contacts").json()

    assert (page["count"], len(page["items"])) == (60, 60)


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"limit": "ten"}, "limit")],
)
def test_bad_paging_names_the_parameter(api, cast, query, field):
    response = api("marketer").get("/contacts", **query)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_contacts_filter_by_lifecycle_stage_and_search(api, book):
    mqls = api("marketer").get("/contacts", lifecycle_stage=Stage.MQL).json()
    found = api("marketer").get("/contacts", search="P07@FIRM").json()
    both = api("marketer").get("/contacts", search="firm", lifecycle_stage=Stage.MQL).json()

    assert mqls["count"] == ROWS
    assert {c["lifecycle_stage"] for c in mqls["items"]} == {"mql"}
    assert [c["email"] for c in found["items"]] == ["p07@firm.test"]
    assert both == {"items": [], "count": 0}


def test_deals_filter_by_outcome(api, book):
    rep = api("sales_rep")
    deal_id = rep.get("/deals", limit=1).json()["items"][0]["id"]
    assert rep.post(f"/deals/{deal_id}/win", {"amount": "1200"}).status_code == 200

    won = rep.get("/deals", outcome="won").json()
    still_open = rep.get("/deals", outcome="open").json()

    assert [(d["id"], d["outcome"], d["amount"]) for d in won["items"]] == [
        (deal_id, "won", "1200.00")
    ]
    assert still_open["count"] == ROWS - 1
    assert rep.get("/deals", outcome="lost").json()["count"] == 0


def test_lists_show_only_what_the_user_may_see(api, book):
    assert api("other_team_rep").get("/deals").json()["count"] == 0
    assert api("sales_manager").get("/deals").json()["count"] == ROWS  # Sam is in their team
    assert api("employee").get("/leads").json()["count"] == 0
    assert api("marketer").get("/leads").json()["count"] == ROWS


@pytest.mark.parametrize("path", ["/contacts", "/accounts", "/touches", "/deals", "/leads"])
@pytest.mark.parametrize("role", ["marketer", "sales_manager", "admin"])
def test_a_list_of_thirty_rows_costs_a_fixed_number_of_queries(
    api, book, django_assert_num_queries, path, role
):
    client = api(role)
    client.get(path, limit=1)  # the token's first use also records when it was used

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(path, limit=ROWS)

    assert response.status_code == 200
    page = response.json()
    # thirty customers and thirty handed-off leads among the contacts; thirty of the rest
    assert page["count"] == (2 * ROWS if path == "/contacts" else ROWS)
    assert len(page["items"]) == ROWS
    assert len({item["id"] for item in page["items"]}) == ROWS


def test_limit_is_capped_so_one_request_never_returns_a_whole_table(api, book, settings):
    response = api("marketer").get("/contacts", limit=100_000)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
