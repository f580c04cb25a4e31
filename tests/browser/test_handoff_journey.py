"""The hand-off in a real browser: a rep accepts one lead and rejects two with reasons; the
marketer sees the reasons by campaign and the service levels; the lead page explains itself."""

from __future__ import annotations

import pytest

from tandem.handoff.models import Lead
from tests.browser.conftest import sign_in, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


def _open(browse, user):
    # A shared, busy machine: give pages more than the default five seconds.
    page = browse()
    page.context.set_default_timeout(20_000)
    sign_in(page, user)
    return page


def test_rep_answers_leads_and_marketing_sees_why(browse, screenshot, cast, submit):
    submit(email="ann@acme.test", first_name="Ann", last_name="Archer", company="Acme")
    submit(email="bob@globex.test", first_name="Bob", last_name="Baker", company="Globex")
    submit(email="cy@initech.test", first_name="Cy", last_name="Cole", company="Initech")

    # the rep sees three graded leads waiting
    rep = _open(browse, cast.sales_rep)
    rep.goto("/sales/")
    queue = rep.locator("#lead-queue")
    expect(queue.get_by_role("row")).to_have_count(4)  # heading + three leads
    screenshot(rep, "1-queue")

    # the lead page explains the score in plain words
    rep.get_by_role("link", name="Ann Archer").click()
    expect(rep.get_by_text("+15 senior title (VP Operations)")).to_be_visible()
    expect(rep.get_by_test_id("prediction-message")).to_contain_text("rule score ranks leads")
    screenshot(rep, "2-lead")
    rep.go_back()

    # accept Ann; reject Bob as not ready (recycled) and Cy as a competitor
    rep.get_by_role("button", name="Accept Ann Archer").click()
    expect(rep.get_by_role("status")).to_contain_text("Accepted Ann Archer")
    rep.get_by_label("Reason for rejecting Bob Baker").select_option("not_ready")
    rep.get_by_role("button", name="Reject Bob Baker").click()
    expect(rep.get_by_role("status")).to_contain_text("Rejected Bob Baker")
    rep.get_by_label("Reason for rejecting Cy Cole").select_option("competitor")
    rep.get_by_role("button", name="Reject Cy Cole").click()
    expect(rep.get_by_role("status")).to_contain_text("Rejected Cy Cole")
    expect(queue.get_by_text("No leads waiting for you.")).to_be_visible()
    screenshot(rep, "3-answered")

    statuses = dict(Lead.objects.values_list("contact__email", "rejection_reason"))
    assert statuses == {
        "ann@acme.test": "",
        "bob@globex.test": "not_ready",
        "cy@initech.test": "competitor",
    }

    # the marketer sees the reasons by campaign …
    marketer = _open(browse, cast.marketer)
    marketer.goto("/")
    marketer.get_by_role("navigation", name="Workspaces").get_by_role(
        "button", name="Together"
    ).click()
    marketer.get_by_role("link", name="Hand-off").click()
    marketer.get_by_role("link", name="Feedback").click()
    table = marketer.get_by_role("table", name="Rejections by campaign")
    row = table.get_by_role("row").filter(has_text="Spring webinar")
    expect(row).to_contain_text("3")  # decided
    expect(table.get_by_role("columnheader", name="Not ready yet (recycle)")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Competitor")).to_be_visible()
    expect(row).to_contain_text("67%")
    screenshot(marketer, "4-feedback")

    # … and by segment: Bob went to the nurture segment, which is not counted as a source
    marketer.get_by_role("link", name="By source").click()
    expect(marketer.get_by_role("table", name="Rejections by source")).to_contain_text("linkedin")

    # both teams see the same service levels
    marketer.get_by_role("link", name="Service levels").click()
    expect(marketer.get_by_role("group", name="Delivered")).to_contain_text("3")
    expect(marketer.get_by_role("group", name="Quality: accepted by sales")).to_contain_text("33%")
    screenshot(marketer, "5-sla")
