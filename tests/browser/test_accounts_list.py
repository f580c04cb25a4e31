"""The accounts list in a real browser: a sales manager opens Accounts from the menu, narrows
to one industry by the best fit, adds a custom column, opens an account; and dismisses a pair
of look-alike accounts from Duplicates, then undoes it."""

from __future__ import annotations

import pytest

from tandem.fields.services import custom_field_define
from tandem.people import services as people
from tests.browser.conftest import sign_in, unavailable
from tests.factories import AccountFactory, ContactFactory

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser
PATIENCE = 30_000  # ms: a shared, busy machine


def _account(name: str, domain: str, industry: str, fit: int, owner=None, **custom):
    account = AccountFactory(name=name, domain=domain, industry=industry, owner=owner)
    account.fit_score, account.custom = fit, custom
    account.save()
    return account


def test_a_manager_filters_sorts_and_opens_an_account(browse, screenshot, cast):
    custom_field_define(entity="account", label="Plants", kind="number")
    acme = _account("Acme Robotics", "acme.test", "Robotics", 35, cast.sales_rep, plants=12)
    _account("Bolt Freight", "bolt.test", "Logistics", 10, None, plants=2)
    _account("Crane Works", "crane.test", "Robotics", 20, cast.teammate_rep, plants=4)
    _account("Delta Arms", "delta.test", "Robotics", 5, cast.sales_rep)
    for account_email in ("ann@acme.test", "bo@acme.test"):
        ContactFactory(account=acme, email=account_email)

    sam = browse()
    sam.set_default_timeout(PATIENCE)
    sign_in(sam, cast.sales_manager)
    nav = sam.get_by_role("navigation", name="Workspaces")
    nav.get_by_role("button", name="Together").click()
    nav.get_by_role("link", name="Accounts").click()
    table = sam.get_by_role("table", name="Accounts")
    expect(table.get_by_role("row")).to_have_count(5)
    screenshot(sam, "01-accounts")

    sam.get_by_label("Industry").select_option("Robotics")
    sam.get_by_label("Sort").select_option("-fit")
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table.get_by_role("row").nth(1)).to_contain_text("Acme Robotics")
    sam.get_by_role("checkbox", name="Plants").check()
    sam.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("columnheader", name="Plants")).to_be_visible()
    expect(sam.get_by_role("link", name="CSV")).to_have_attribute(
        "href", "/exports/lists/accounts.csv?industry=Robotics&sort=-fit"
    )
    screenshot(sam, "02-robotics-best-fit")

    table.get_by_role("link", name="Acme Robotics").click()
    expect(sam.get_by_role("heading", level=1)).to_contain_text("Acme Robotics")


def test_a_manager_says_two_accounts_are_not_one_and_undoes_it(browse, screenshot, cast):
    people.account_create(actor=cast.admin, name="Acme Inc", domain="acme.test")
    people.account_create(actor=cast.admin, name="Acme Ltd", domain="acme.co.uk")

    max_ = browse()
    max_.set_default_timeout(PATIENCE)
    sign_in(max_, cast.admin)
    nav = max_.get_by_role("navigation", name="Workspaces")
    nav.get_by_role("button", name="Together").click()
    nav.get_by_role("link", name="Duplicates").click()
    max_.get_by_role("link", name="Accounts").last.click()
    table = max_.get_by_role("table", name="Likely duplicate accounts")
    expect(table).to_contain_text("Same name")
    table.get_by_role("button", name="not a duplicate").click()
    expect(max_.get_by_role("status")).to_contain_text("no longer listed as duplicates")
    expect(table).to_contain_text("No likely duplicate accounts")
    screenshot(max_, "01-dismissed")

    max_.get_by_role("table", name="Dismissed accounts").get_by_role("button", name="Undo").click()
    expect(max_.get_by_role("table", name="Likely duplicate accounts")).to_contain_text("Acme Ltd")
