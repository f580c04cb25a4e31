"""The accounts list page: search, filters, custom columns, sorting, pages, downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.fields.services import custom_field_define
from tandem.people.account_filters import AccountFilter
from tests.factories import AccountFactory, ContactFactory


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _names(response) -> list[str]:
    """The account names in the list's rows, in order."""
    html = response.content.decode()
    table = html[html.index('<table aria-label="Accounts">') :]
    table = table[: table.index("</table>")]
    names = []
    for cell in table.split('<td><a href="/accounts/')[1:]:
        names.append(cell[cell.index(">") + 1 : cell.index("</a>")])
    return names


@pytest.fixture
def companies(cast):
    custom_field_define(entity="account", label="Plants", kind="number")
    acme = AccountFactory(
        name="Acme", domain="acme.test", industry="Robotics", owner=cast.sales_rep
    )
    acme.fit_score, acme.custom = 30, {"plants": 12}
    acme.save()
    bolt = AccountFactory(name="Bolt", domain="bolt.test", industry="Logistics", owner=None)
    bolt.fit_score, bolt.custom = 10, {"plants": 2}
    bolt.save()
    crane = AccountFactory(
        name="Crane Works", domain="crane.test", industry="Robotics", owner=cast.teammate_rep
    )
    crane.fit_score = 20
    crane.save()
    ContactFactory(account=acme)
    ContactFactory(account=acme)
    return acme, bolt, crane


def test_the_page_lists_every_account_by_name_with_its_numbers(cast, companies):
    acme, _, _ = companies

    response = _client(cast.employee).get("/accounts/")

    html = response.content.decode()
    assert response.status_code == 200
    assert _names(response) == ["Acme", "Bolt", "Crane Works"]
    assert f'<a href="/accounts/{acme.pk}/">Acme</a>' in html
    assert '<td class="num">30</td><td class="num">2</td>' in html  # fit, contacts
    assert "3 accounts" in html
    assert 'aria-current="page">Accounts</a>' in html


@pytest.mark.parametrize(
    ("query", "names"),
    [
        pytest.param({"q": "crane"}, ["Crane Works"], id="search-name"),
        pytest.param({"q": "bolt.te"}, ["Bolt"], id="search-domain"),
        pytest.param({"industry": "robotics"}, ["Acme", "Crane Works"], id="industry"),
        pytest.param({"fit_min": "20"}, ["Acme", "Crane Works"], id="fit"),
        pytest.param({"sort": "-fit"}, ["Acme", "Crane Works", "Bolt"], id="best-fit"),
        pytest.param({"sort": "-name"}, ["Crane Works", "Bolt", "Acme"], id="z-to-a"),
        pytest.param(
            {"cf": "plants", "cf_op": "gte", "cf_value": "5"}, ["Acme"], id="custom-field"
        ),
        pytest.param({"sort": "nonsense"}, ["Acme", "Bolt", "Crane Works"], id="unknown-sort"),
    ],
)
def test_filters_and_sorting(cast, companies, query, names):
    assert _names(_client(cast.admin).get("/accounts/", query)) == names


def test_the_owner_filter(cast, companies):
    response = _client(cast.admin).get("/accounts/", {"owner": cast.sales_rep.pk})

    assert _names(response) == ["Acme"]


def test_a_bad_filter_is_named_beside_its_field(cast, companies):
    response = _client(cast.admin).get("/accounts/", {"fit_min": "lots", "cf": "nope"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "give the fit as a whole number" in html
    assert 'id="fit_min" name="fit_min" value="lots"' in html
    assert _names(response) == ["Acme", "Bolt", "Crane Works"]


def test_chosen_custom_columns_show_their_values(cast, companies):
    html = _client(cast.admin).get("/accounts/", {"cols": "plants"}).content.decode()

    assert '<th class="num">Plants</th>' in html
    assert '<td class="num">12</td>' in html


def test_pages_of_fifty_keep_the_filters(cast):
    for n in range(55):
        AccountFactory(name=f"Firm {n:02d}", industry="Robotics")

    first = _client(cast.admin).get("/accounts/", {"industry": "Robotics"})
    second = _client(cast.admin).get("/accounts/", {"industry": "Robotics", "page": 2})

    assert len(_names(first)) == 50
    assert "?page=2&amp;industry=Robotics" in first.content.decode()
    assert _names(second) == ["Firm 50", "Firm 51", "Firm 52", "Firm 53", "Firm 54"]


def test_the_download_carries_the_filters_on_screen(cast, companies):
    client = _client(cast.admin)
    query = {"industry": "Robotics", "sort": "-fit", "cols": "plants", "page": "1"}

    html = client.get("/accounts/", query).content.decode()

    href = "/exports/lists/accounts.csv?industry=Robotics&amp;sort=-fit"
    assert href in html
    response = client.get("/exports/lists/accounts.csv", {"industry": "Robotics", "sort": "-fit"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Acme", "Crane Works"]


def test_the_filter_reads_a_query_string_as_the_page_does():
    parsed = AccountFilter.from_query(
        {"q": " acme ", "industry": "Robotics", "owner": "7", "fit_min": "5", "sort": "-fit"}
    )

    assert (parsed.search, parsed.industry, parsed.owner_id, parsed.fit_min, parsed.sort) == (
        "acme",
        "Robotics",
        7,
        5,
        "-fit",
    )
    assert parsed.is_narrowed


def test_the_page_costs_the_same_queries_for_three_accounts_or_thirty(cast, companies):
    client = _client(cast.admin)
    client.get("/accounts/", {"cols": "plants"})
    with CaptureQueriesContext(connection) as few:
        client.get("/accounts/", {"cols": "plants"})
    for n in range(27):
        account = AccountFactory(name=f"More {n}", owner=cast.sales_rep)
        ContactFactory(account=account)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/accounts/", {"cols": "plants"})

    assert len(_names(response)) == 30
    assert len(many) == len(few)


def test_anonymous_is_sent_to_sign_in(companies):
    response = _client(None).get("/accounts/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_navigation_links_accounts_for_everyone_and_duplicates_for_who_may_merge(cast):
    employee = _client(cast.employee).get("/contacts/").content.decode()
    manager = _client(cast.marketing_manager).get("/contacts/").content.decode()

    assert 'href="/accounts/"' in employee
    assert 'href="/duplicates/"' not in employee
    assert 'href="/accounts/"' in manager
    assert 'href="/duplicates/"' in manager
