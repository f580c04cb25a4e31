"""Marketing email in a real browser: write a template and preview it, send it to a segment,
watch the progress, and a recipient unsubscribes from the link in the message they got."""

from __future__ import annotations

import re

import pytest

from tandem.mailing.models import Suppression
from tandem.people import services as people
from tandem.segments.models import Segment, SegmentMember
from tests.browser.conftest import sign_in, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser

HTML = (
    '<html><body><p>Hi {{ contact.first_name|default:"there" }},</p>'
    '<p>Our autumn webinar: <a href="https://example.org/webinar">save your seat</a>.</p>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'
)


@pytest.fixture
def webinar_segment(cast):
    from django.utils import timezone

    segment = Segment.objects.create(name="Webinar audience", kind="static", member_count=3)
    for name in ["Ann", "Bo", "Cy"]:
        contact = people.contact_create(
            actor=cast.marketer, email=f"{name.lower()}@acme.test", first_name=name
        )
        people.consent_record(contact=contact, channel="email", is_granted=True, source="test")
        SegmentMember.objects.create(segment=segment, contact=contact, added_at=timezone.now())
    return segment


def test_a_marketer_writes_sends_and_a_recipient_unsubscribes(
    browse, screenshot, cast, webinar_segment, smtp_inbox, settings
):
    settings.TANDEM_MAIL_CONNECTIONS = 1
    page = browse()
    page.context.set_default_timeout(30_000)  # a busy shared machine is slow to serve pages
    sign_in(page, cast.marketer)

    # a template with a mistake is refused, with the line
    page.goto("/mail/templates/new/")
    page.get_by_label("Name").fill("Autumn webinar")
    page.get_by_label("Subject").fill("{{ contact.first_name }}, join us")
    page.get_by_label("HTML body").fill("<p>Hi</p>\n<p>{{ contact.nickname }}</p>")
    page.get_by_label("Text body").fill("Hi")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("line 2: unknown variable 'contact.nickname'")).to_be_visible()

    # corrected, it is saved and previewed for a sample contact
    page.get_by_label("HTML body").fill(HTML)
    page.get_by_label("Text body").fill("Hi {{ contact.first_name }}: https://example.org/webinar")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Template “Autumn webinar” saved.")).to_be_visible()
    page.get_by_label("Sample contact (email)").fill("bo@acme.test")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("As bo@acme.test would get it.")).to_be_visible()
    expect(page.locator("#preview dd")).to_have_text("Bo, join us")
    expect(page.frame_locator("#preview iframe").get_by_text("save your seat")).to_be_visible()
    screenshot(page, "template")

    # a send to the segment, started from its page
    page.goto("/mail/sends/new/")
    page.get_by_label("Name").fill("Autumn webinar invite")
    page.get_by_label("Template").select_option(label="Autumn webinar")
    page.get_by_label("Webinar audience").first.check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Autumn webinar invite")).to_be_visible()
    page.get_by_role("button", name="Start sending").click()
    # the start is a form post: let its page arrive before reloading for the worker's progress
    expect(page.get_by_role("button", name="Start sending")).to_have_count(0)
    page.reload()
    expect(page.locator("#progress .stage")).to_have_text("Finished")
    expect(page.get_by_text("100% of 3 handled")).to_be_visible()
    screenshot(page, "send")
    assert sorted(m["To"] for m in smtp_inbox.messages) == [
        "ann@acme.test",
        "bo@acme.test",
        "cy@acme.test",
    ]

    # Bo follows the unsubscribe link from the message (not signed in) and unsubscribes
    message = next(m for m in smtp_inbox.messages if m["To"] == "bo@acme.test")
    header = "".join(message["List-Unsubscribe"].split())
    path = re.search(r"<http://[^/]+(/mail/u/[^>]+)>", header).group(1)
    visitor = browse()
    visitor.context.set_default_timeout(30_000)
    visitor.goto(path)
    expect(visitor.get_by_role("heading", name="Email preferences")).to_be_visible()
    visitor.get_by_role("button", name="Unsubscribe from all marketing email").click()
    expect(visitor.get_by_text("You are unsubscribed.")).to_be_visible()
    screenshot(visitor, "unsubscribed")
    assert Suppression.objects.get().email == "bo@acme.test"
