"""Working together in a real browser: a mention, a negative touch reaching the deal's owner,
and a survey whose answers reach sales only in aggregate.

Scenario data (people, a deal, surveyed customers) is built through the services; everything
the test checks happens through the pages. Pages are saved to artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from tandem.collaboration import survey_links
from tandem.collaboration import survey_services as surveys
from tandem.collaboration.models import Survey
from tandem.people import services as people
from tandem.sales import services as sales
from tests.browser.conftest import unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


@pytest.fixture
def ann_deal(cast):
    ann = people.contact_create(
        actor=cast.marketer, email="ann@acme.test", first_name="Ann", last_name="Archer"
    )
    return sales.deal_open(
        actor=cast.sales_rep, name="Acme rollout", owner=cast.sales_rep, contact=ann
    )


@pytest.fixture
def customers(cast):
    found = []
    for n in range(1, 7):
        contact = people.contact_create(
            actor=cast.marketer,
            email=f"customer{n}@globex.test",
            first_name=f"Customer{n}",
            audience_types=["customer"],
        )
        people.consent_record(contact=contact, channel="email", is_granted=True, source="test")
        found.append(contact)
    return found


def test_mention_and_negative_touch_reach_the_right_inbox(browse, screenshot, cast, ann_deal):
    # an employee logs an unhappy call with Ann, who has an open deal of sam's
    employee = browse(cast.employee)
    employee.goto("/touches/new/")
    employee.get_by_label("Customer's email").fill("ann@acme.test")
    employee.get_by_label("What happened").select_option(label="Call")
    employee.get_by_label("Summary").fill("Invoice was wrong twice")
    employee.get_by_label("How did it feel?").select_option(label="Negative")
    employee.get_by_role("button", name="Log touch").click()
    expect(employee.get_by_role("heading", name="Ann Archer")).to_be_visible()

    # sam comments on the deal and mentions the marketer and the employee
    rep = browse(cast.sales_rep)
    rep.goto(f"/sales/deals/{ann_deal.pk}/")
    rep.get_by_label("Comment").fill("@mia @eve can we send Ann the <b>migration</b> guide?")
    rep.get_by_role("button", name="Comment", exact=True).click()
    thread = rep.get_by_role("list", name="Conversation")
    expect(thread).to_contain_text("can we send Ann the <b>migration</b> guide?")
    screenshot(rep, "01-deal-conversation")

    # sam's inbox holds the negative touch
    rep.goto("/inbox/")
    expect(rep.get_by_role("list", name="Notifications")).to_contain_text(
        f"{cast.employee} logged a negative call with Ann Archer (deal Acme rollout)"
    )
    screenshot(rep, "02-owner-inbox")

    # the marketer was told and marks it read; the employee, who may not see deals, was not
    marketer = browse(cast.marketer)
    marketer.goto("/inbox/")
    expect(marketer.get_by_role("heading", name="Inbox 1 unread")).to_be_visible()
    marketer.get_by_role("button", name="Mark read").click()
    expect(marketer.get_by_role("button", name="Mark read")).to_have_count(0)
    screenshot(marketer, "03-marketer-inbox-read")
    employee.goto("/inbox/")
    expect(employee.get_by_role("list", name="Notifications")).to_contain_text("Nothing for you")


def test_marketer_sends_a_survey_and_sales_sees_only_the_aggregate(
    browse, screenshot, cast, customers
):
    # a marketer builds the survey and sends it to customers
    marketer = browse(cast.marketer)
    marketer.goto("/surveys/")
    marketer.get_by_label("Title").fill("How are we doing?")
    marketer.get_by_label("Questions").fill(
        "nps: How likely are you to recommend us?\nsingle: Best part? | Product | People\n"
        "?text: Anything else?"
    )
    marketer.get_by_role("checkbox", name="anonymously").check()
    marketer.get_by_role("button", name="Save draft").click()
    marketer.get_by_label("Audience").select_option(label="Customer")
    marketer.get_by_role("button", name="Send survey").click()
    expect(marketer.get_by_role("status")).to_contain_text("Sent to 6 contacts.")
    survey = Survey.objects.get()

    # the first customer answers through their link; a second visit is refused politely
    visitor = browse()
    link = f"/s/{survey_links.survey_link_token(survey=survey, contact=customers[0])}/"
    visitor.goto(link)
    visitor.get_by_role("radio", name="10").check()
    visitor.get_by_role("radio", name="People").check()
    visitor.get_by_role("textbox").fill("Named praise for Dana")
    screenshot(visitor, "04-survey-answer")
    visitor.get_by_role("button", name="Send answers").click()
    expect(visitor.get_by_role("heading", name="Thank you")).to_be_visible()
    visitor.goto(link)
    expect(visitor.get_by_role("status")).to_contain_text("You have already answered this survey")

    # with one answer, a sales rep sees nothing of it
    rep = browse(cast.sales_rep)
    rep.goto(f"/surveys/{survey.pk}/")
    expect(rep.get_by_text("Fewer than 5 answers released: not shown").first).to_be_visible()

    # four more customers answer (five in all)
    for contact, score in zip(customers[1:5], (9, 6, 8, 10), strict=True):
        surveys.survey_answer(
            survey=survey, contact=contact, answers={"q1": score, "q2": "Product", "q3": "Hi"}
        )

    # now the rep sees the score and distribution, but no names and no free text
    rep.reload()
    expect(rep.get_by_text("NPS 40")).to_be_visible()
    expect(rep.get_by_text("Named praise for Dana")).to_have_count(0)
    expect(rep.get_by_text("Free-text answers stay with marketing.")).to_be_visible()
    expect(rep.get_by_text("Who answered")).to_have_count(0)
    screenshot(rep, "05-sales-aggregate")

    # while marketing sees the words and who answered
    marketer.goto(f"/surveys/{survey.pk}/")
    expect(marketer.get_by_text("Named praise for Dana")).to_be_visible()
    screenshot(marketer, "06-marketing-results")

    # and the shared page carries the NPS trend
    rep.goto("/shared/")
    expect(rep.get_by_role("table", name="Customer NPS by month")).to_contain_text("40")
    screenshot(rep, "07-shared-page")
