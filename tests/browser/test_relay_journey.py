"""The relay walked as its users walk it, in a real browser: visitor, rep, marketer, leadership.

Fixtures create only the people and the lead form; everything after that happens through the
pages. Each page is saved to artifacts/screenshots/ at 1280 and 390 px wide.
"""

from __future__ import annotations

import re

import pytest

from tandem.marketing.models import FormSubmission
from tandem.people.models import Contact
from tests.browser.conftest import PASSWORD, unavailable

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser

FORM_URL = "/f/demo/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=spring-webinar"
ANN = {"email": "ann@acme.test", "first": "Ann", "last": "Archer", "company": "Acme"}
BOB = {"email": "bob@globex.test", "first": "Bob", "last": "Baker", "company": "Globex"}


def submit_lead_form(page: Page, person: dict, *, title: str = "VP Operations") -> None:
    page.goto(FORM_URL)
    page.get_by_label("Work email").fill(person["email"])
    page.get_by_label("First name").fill(person["first"])
    page.get_by_label("Last name").fill(person["last"])
    page.get_by_label("Job title").fill(title)
    page.get_by_label("Company").fill(person["company"])
    page.get_by_role("checkbox", name="send me news").check()
    page.get_by_role("button", name="Send").click()


def table_row(page: Page, table_name: str, first_cell: str) -> dict[str, str]:
    """The row of the named table that starts with ``first_cell``, keyed by column heading."""
    table = page.get_by_role("table", name=table_name)
    headings = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    row = table.get_by_role("row").filter(has=page.get_by_role("cell", name=first_cell, exact=True))
    cells = [c.strip() for c in row.get_by_role("cell").all_inner_texts()]
    return dict(zip(headings, cells, strict=True))


def metric(page: Page, label: str) -> str:
    """The figure shown on the metric card named ``label``."""
    card = page.get_by_role("group", name=label, exact=True)
    expect(card).to_be_visible()
    return card.inner_text().splitlines()[1].strip()  # the label, then the figure


def test_relay_from_visitor_to_won_deal(browse, screenshot, cast, lead_form):
    # (a) a visitor from the LinkedIn ad fills the hosted form
    visitor = browse()
    submit_lead_form(visitor, ANN)
    expect(visitor.get_by_role("heading", name="Thank you — we'll be in touch.")).to_be_visible()
    screenshot(visitor, "01-thank-you")

    # (b) the rep lands on the sales home and finds the MQL waiting for an answer
    rep = browse(cast.sales_rep)
    expect(rep).to_have_url(re.compile("/sales/$"))
    expect(rep.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
    queue = rep.get_by_role("region", name="Leads waiting for your answer")
    lead = queue.get_by_role("row").filter(has_text="Ann Archer")
    expect(lead).to_contain_text("VP Operations")
    expect(lead).to_contain_text("Acme")
    expect(lead).to_contain_text("Spring webinar")
    expect(lead).to_contain_text("55")
    screenshot(rep, "02-sales-home-lead-waiting")

    # when they accept it, the queue empties and the pipeline shows the new deal
    lead.get_by_role("button", name="Accept").click()
    expect(queue).to_contain_text("Accepted Ann Archer: deal opened.")
    expect(queue).to_contain_text("No leads waiting for you.")
    discovery = rep.get_by_role("region", name="Discovery")
    expect(discovery.get_by_role("link", name="Acme — new business")).to_be_visible()
    screenshot(rep, "03-sales-home-accepted")

    # and they win the deal with its amount
    discovery.get_by_role("link", name="Acme — new business").click()
    expect(rep.get_by_role("heading", name="Acme — new business")).to_be_visible()
    screenshot(rep, "04-deal-open")
    rep.get_by_role("textbox", name="Amount").fill("18000")
    rep.get_by_role("button", name="Mark won").click()
    expect(rep.get_by_role("status")).to_contain_text("Won Acme — new business for 18,000.00.")
    assert metric(rep, "Amount") == "18,000.00"
    expect(rep.get_by_role("heading", name="Acme — new business")).to_contain_text("Won")
    screenshot(rep, "05-deal-won")

    # (c) the marketer sees the lead, the MQL and the acceptance on the campaign's row
    marketer = browse(cast.marketer)
    expect(marketer).to_have_url(re.compile("/marketing/$"))
    expect(marketer.get_by_role("heading", name="Marketing", exact=True)).to_be_visible()
    row = table_row(marketer, "By campaign", "Spring webinar")
    assert (row["Leads"], row["MQLs"], row["Accepted"], row["Rejected"]) == ("1", "1", "1", "0")
    assert row["Won revenue"] == "18,000"
    expect(marketer.get_by_role("figure").locator("svg")).to_be_visible()
    screenshot(marketer, "06-marketing-home")

    # (d) leadership reads the shared numbers
    leader = browse(cast.leadership)
    leader.get_by_role("navigation", name="Workspaces").get_by_role(
        "button", name="Together"
    ).click()
    leader.get_by_role("link", name="Shared numbers").click()
    expect(leader.get_by_role("heading", name="Shared numbers")).to_be_visible()
    assert metric(leader, "Qualified leads (marketing's count: MQLs)") == "1"
    assert metric(leader, "Qualified leads (sales' count: accepted)") == "1"
    assert metric(leader, "Close rate") == "100%"
    assert metric(leader, "Revenue won") == "18,000"
    screenshot(leader, "07-shared-numbers")


def test_rejected_lead_tells_marketing_why(browse, screenshot, cast, lead_form):
    # given two visitors handed to the rep
    visitor = browse()
    submit_lead_form(visitor, ANN)
    submit_lead_form(visitor, BOB, title="Head of Finance")
    rep = browse(cast.sales_rep)
    queue = rep.get_by_role("region", name="Leads waiting for your answer")
    expect(queue.get_by_role("row").filter(has_text="Bob Baker")).to_be_visible()

    # when the rep rejects the second one, giving a reason
    bob = queue.get_by_role("row").filter(has_text="Bob Baker")
    bob.get_by_label("Reason").select_option(label="No budget (recycle)")
    screenshot(rep, "01-sales-home-two-waiting")
    bob.get_by_role("button", name="Reject").click()

    # then only the first waits, and marketing sees why the second was turned down
    expect(queue).to_contain_text("Rejected Bob Baker; marketing will see why.")
    expect(queue.get_by_role("row").filter(has_text="Bob Baker")).to_have_count(0)
    expect(queue.get_by_role("row").filter(has_text="Ann Archer")).to_be_visible()
    marketer = browse(cast.marketer)
    reasons = table_row(marketer, "Why sales rejected leads", "No budget (recycle)")
    assert reasons == {"Reason": "No budget (recycle)", "Leads": "1"}
    row = table_row(marketer, "By campaign", "Spring webinar")
    assert (row["MQLs"], row["Rejected"]) == ("2", "1")
    assert row["Why sales rejected"] == "No budget (recycle) (1)"
    screenshot(marketer, "02-marketing-home-rejection")


def test_employee_logs_a_touch_on_the_timeline(browse, screenshot, cast, lead_form):
    # given a contact who came in through the form
    submit_lead_form(browse(), ANN)

    # when an employee who met her logs the touch
    employee = browse(cast.employee)
    expect(employee.get_by_role("heading", name="Log a customer touch")).to_be_visible()
    screenshot(employee, "01-log-a-touch")
    employee.get_by_label("Customer's email").fill("ann@acme.test")
    employee.get_by_label("What happened").select_option(label="Meeting")
    employee.get_by_label("Channel").select_option(label="Events")
    employee.get_by_label("Summary").fill("Talked about rollout at the trade show booth")
    employee.get_by_label("How did it feel?").select_option(label="Positive")
    employee.get_by_role("button", name="Log touch").click()

    # then it is on Ann's timeline, with the employee's name
    expect(employee.get_by_role("heading", name="Ann Archer")).to_be_visible()
    expect(employee.get_by_role("status")).to_contain_text("Touch with Ann Archer logged.")
    timeline = employee.get_by_role("list", name="Timeline")
    entry = timeline.get_by_role("listitem").filter(has_text="Meeting")
    expect(entry).to_contain_text("Talked about rollout at the trade show booth")
    expect(entry).to_contain_text(cast.employee.get_full_name())
    screenshot(employee, "02-contact-timeline")


def test_malformed_email_is_shown_next_to_the_field_and_nothing_is_stored(
    browse, screenshot, lead_form
):
    visitor = browse()
    visitor.goto(FORM_URL)
    visitor.get_by_label("Work email").fill("ann-at-acme")
    visitor.get_by_label("First name").fill("Ann")
    visitor.get_by_role("button", name="Send").click()

    expect(visitor.get_by_role("alert")).to_have_text("Please correct the fields marked below.")
    email = visitor.get_by_label("Work email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("email", re.IGNORECASE))
    expect(email).to_have_value("ann-at-acme")
    expect(visitor.get_by_label("First name")).to_have_value("Ann")
    screenshot(visitor, "01-form-error")
    assert Contact.objects.count() == 0
    assert FormSubmission.objects.count() == 0


def test_keyboard_only_sign_in_and_accept(browse, screenshot, cast, lead_form):
    submit_lead_form(browse(), ANN)
    rep = browse()
    rep.goto("/login/")

    # the username field has focus; Tab moves on to the password, then the button
    expect(rep.get_by_label("Username")).to_be_focused()
    rep.keyboard.type(cast.sales_rep.username)
    rep.keyboard.press("Tab")
    expect(rep.get_by_label("Password")).to_be_focused()
    rep.keyboard.type(PASSWORD)
    rep.keyboard.press("Tab")
    expect(rep.get_by_role("button", name="Sign in")).to_be_focused()
    screenshot(rep, "01-sign-in-focused", phone=False)
    rep.keyboard.press("Enter")
    expect(rep.get_by_role("heading", name="Sales", exact=True)).to_be_visible()

    accept = (
        rep.get_by_role("row").filter(has_text="Ann Archer").get_by_role("button", name="Accept")
    )
    for _ in range(40):
        rep.keyboard.press("Tab")
        if accept.evaluate("button => button === document.activeElement"):
            break
    expect(accept).to_be_focused()
    screenshot(rep, "02-accept-focused", phone=False)
    rep.keyboard.press("Enter")

    # then focus lands on the confirmation, not lost with the swapped-out row
    expect(rep.get_by_text("Accepted Ann Archer: deal opened.")).to_be_focused()
    queue = rep.get_by_role("region", name="Leads waiting for your answer")
    expect(queue).to_contain_text("No leads waiting for you.")
    expect(rep.get_by_role("region", name="Discovery")).to_contain_text("Acme — new business")


def test_the_other_pages_read_well_on_desktop_and_phone(browse, screenshot, cast, lead_form):
    # given a contact from the form, so lists, records and the audit log have something to show
    submit_lead_form(browse(), ANN)
    admin = browse(cast.admin)

    admin.get_by_role("navigation", name="Workspaces").get_by_role(
        "button", name="Together"
    ).click()
    admin.get_by_role("link", name="Contacts").click()
    expect(admin.get_by_role("table", name="Contacts")).to_contain_text("ann@acme.test")
    screenshot(admin, "01-contacts")
    admin.get_by_role("link", name="Acme").click()
    expect(admin.get_by_role("heading", name="Acme", exact=True)).to_be_visible()
    expect(admin.get_by_role("list", name="Timeline of everyone at Acme")).to_contain_text(
        "Form submission"
    )
    screenshot(admin, "02-account")
    admin.get_by_role("navigation", name="Workspaces").get_by_role(
        "button", name="Marketing"
    ).click()
    admin.get_by_role("link", name="Campaigns").click()
    expect(admin.get_by_role("table", name="Campaigns")).to_contain_text("spring-webinar")
    screenshot(admin, "03-campaigns")
    admin.get_by_role("link", name="API tokens").click()
    expect(admin.get_by_role("table", name="Your tokens")).to_contain_text("No tokens yet.")
    screenshot(admin, "04-tokens")
    admin.get_by_role("navigation", name="Workspaces").get_by_role("button", name="Admin").click()
    admin.get_by_role("link", name="Audit log").click()
    expect(admin.get_by_role("table", name="Audit log")).to_contain_text("Ann Archer")
    screenshot(admin, "05-audit-log")

    visitor = browse()
    visitor.goto("/login/")
    screenshot(visitor, "06-sign-in")
