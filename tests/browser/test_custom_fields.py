"""A marketing manager adds a custom field, then a marketer fills it in on a contact's page."""

from __future__ import annotations

import pytest

from tandem.people.models import Contact
from tests.browser.conftest import sign_in, unavailable
from tests.factories import ContactFactory

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


def patient(browse, user):
    page = browse()
    page.context.set_default_timeout(20_000)
    page.set_default_navigation_timeout(20_000)
    sign_in(page, user)
    return page


def test_a_field_is_defined_then_filled_on_a_contact(browse, screenshot, cast, live_server):
    contact = ContactFactory(email="ann@acme.test", first_name="Ann", last_name="Archer")
    # the marketing manager adds "Plants" to contacts
    page = patient(browse, cast.marketing_manager)
    page.get_by_role("link", name="Custom fields").click()
    page.get_by_label("Label", exact=True).fill("Plants")
    page.get_by_label("Kind", exact=True).select_option(label="Number")
    page.locator("#new-help").fill("Production sites they run")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_role("cell", name="plants", exact=True)).to_be_visible()
    screenshot(page, "settings")

    # a marketer opens Ann, types a bad number, sees why, then a good one
    page = patient(browse, cast.marketer)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    page.get_by_text("Edit these").click()
    page.get_by_label("Plants").fill("a dozen")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#cf-plants-err")).to_have_text("Plants: 'a dozen' is not a number")
    screenshot(page, "error-beside-the-field")
    page.get_by_label("Plants").fill("1,200")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#custom-values dd").first).to_have_text("1,200")
    screenshot(page, "saved")
    assert Contact.objects.get(pk=contact.pk).custom == {"plants": 1200}
