"""A marketer builds a campaign and a lead form in the browser; a visitor sends the form on
its hosted page; the marketer sees the lead on the campaign page."""

from __future__ import annotations

import http.server
import re
import threading

import pytest

from tandem.marketing import campaign_services, form_services
from tandem.marketing.models import Campaign, FormSubmission, LeadForm
from tandem.people.models import Contact
from tests.browser.conftest import sign_in, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


def test_marketer_builds_a_campaign_and_a_form_and_a_visitor_sends_it(
    browse, screenshot, cast, settings
):
    settings.TANDEM_FORM_MIN_SECONDS = 0.2
    # A shared, busy machine: allow pages more than the default five seconds.
    mia = browse()
    mia.context.set_default_timeout(30_000)
    sign_in(mia, cast.marketer)

    # a campaign, with its objective, dates and budget
    mia.goto("/marketing/campaigns/")
    mia.get_by_role("link", name="New campaign").click()
    mia.get_by_label("Name", exact=True).fill("Autumn plant tour")
    mia.get_by_label("Objective").select_option(label="Lead generation")
    mia.get_by_label("Channel").select_option(label="Events")
    mia.get_by_label("Message").fill("See predictive maintenance run on a real line.")
    mia.get_by_label("Offer").fill("A seat on the tour")
    mia.get_by_label("Starts on").fill("2026-09-01")
    mia.get_by_label("Ends on").fill("2026-12-31")
    mia.get_by_label("Budget").fill("4000")
    screenshot(mia, "01-new-campaign")
    mia.get_by_role("button", name="Create campaign").click()
    expect(mia.get_by_role("heading", name="Autumn plant tour")).to_be_visible()
    campaign = Campaign.objects.get(name="Autumn plant tour")

    # spend and a tracked link
    mia.get_by_label("Amount").fill("1200")
    mia.get_by_label("Note").fill("Venue deposit")
    mia.get_by_role("button", name="Record spend").click()
    expect(mia.get_by_role("group", name="Spent")).to_contain_text("1,200")
    mia.get_by_label("Destination URL").fill("https://kestrel.example/tour")
    mia.get_by_label(re.compile("^Source")).fill("linkedin")
    mia.get_by_label(re.compile("^Medium")).fill("paid_social")
    mia.get_by_role("button", name="Build link").click()
    expect(mia.get_by_role("table", name="Tracked links")).to_contain_text(
        "utm_campaign=autumn-plant-tour"
    )
    screenshot(mia, "02-campaign")

    # a form with a custom field, crediting the campaign
    mia.goto("/marketing/forms/new/")
    mia.get_by_label("Name", exact=True).fill("Tour sign-up")
    mia.get_by_label("Campaign credited").select_option(label="Autumn plant tour")
    mia.get_by_label("Field 7 label").fill("Which date suits you?")
    mia.get_by_label("Field 7 name").fill("tour_date")
    mia.get_by_label("Field 7 kind").select_option("select")
    mia.get_by_label("Field 7 options").fill("1 October, 15 October")
    mia.get_by_label("Field 7 required").check()
    mia.get_by_role("button", name="Create form").click()
    expect(mia.get_by_label("Embed on your site")).to_contain_text("data-tandem-form")
    screenshot(mia, "03-form-builder", phone=False)
    form = LeadForm.objects.get(slug="tour-sign-up")
    assert form.fields[-1]["options"] == ["1 October", "15 October"]

    # a visitor sends it on the hosted page
    visitor = browse()
    visitor.context.set_default_timeout(30_000)
    visitor.goto("/f/tour-sign-up/?utm_source=linkedin&utm_medium=paid_social")
    visitor.get_by_label("Work email").fill("gus@granite.test")
    visitor.get_by_label("First name").fill("Gus")
    visitor.get_by_label("Company").fill("Granite Foods")
    visitor.get_by_label("Job title").fill("Head of Maintenance")
    visitor.get_by_label("Which date suits you?").select_option("15 October")
    visitor.get_by_role("checkbox", name="send me news").check()
    screenshot(visitor, "04-hosted-form")
    visitor.wait_for_timeout(300)
    visitor.get_by_role("button", name="Send").click()
    expect(visitor.get_by_role("heading", name="Thank you — we'll be in touch.")).to_be_visible()

    submission = FormSubmission.objects.get(form=form)
    assert submission.data["tour_date"] == "15 October"
    assert Contact.objects.get(email="gus@granite.test").first_touch_campaign == campaign

    # the marketer sees the lead on the campaign page
    mia.goto(f"/marketing/campaigns/{campaign.pk}/")
    expect(mia.get_by_role("group", name="Leads")).to_contain_text("1")
    screenshot(mia, "05-campaign-with-lead")


def _serve_page(html: str) -> str:
    """Serve ``html`` at every path of a loopback web server on its own port (another origin
    than Tandem's, as the company's own site would be); return its base address."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (the standard library's name)
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _servers.append(server)
    return f"http://127.0.0.1:{server.server_address[1]}"


_servers: list = []


@pytest.fixture(autouse=True)
def _stop_servers():
    yield
    while _servers:
        server = _servers.pop()
        server.shutdown()
        server.server_close()


def test_an_embedded_form_credits_the_campaign_in_the_host_pages_address(
    browse, screenshot, cast, settings, live_server
):
    settings.TANDEM_FORM_MIN_SECONDS = 0.2
    settings.BASE_URL = live_server.url
    campaign = campaign_services.campaign_create(
        actor=cast.marketer, name="Autumn plant tour", channel="paid_social"
    )
    form = form_services.form_create(actor=cast.marketer, name="Tour sign-up")

    # the marketer copies the iframe snippet from the form builder
    mia = browse()
    mia.context.set_default_timeout(30_000)
    sign_in(mia, cast.marketer)
    mia.goto(f"/marketing/forms/{form.pk}/")
    snippet = mia.get_by_label("Embed on your site").input_value()
    assert "data-tandem-form" in snippet and "tracker.js" in snippet

    # the company's own site (another origin) embeds it on a landing page, whose consent
    # banner the visitor has already accepted (the tracker's default waits for consent)
    consent = (
        "<script>window.tandem = window.tandem || function () "
        "{ (tandem.q = tandem.q || []).push(arguments); }; tandem('consent', true);</script>"
    )
    landing = (
        f"<!doctype html><html lang='en'><title>Kestrel tour</title><h1>Tour</h1>{consent}{snippet}"
    )
    site = _serve_page(landing)
    visitor = browse()
    visitor.context.set_default_timeout(30_000)

    # what the page did, shown if the tracker never hands over (to tell a hung request from a
    # script error)
    problems: list[str] = []
    visitor.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
    visitor.on("requestfailed", lambda r: problems.append(f"failed {r.url}: {r.failure}"))
    visitor.on("pageerror", lambda e: problems.append(f"error {e}"))
    visitor.on("request", lambda r: problems.append(f"request {r.url}"))
    visitor.on("requestfinished", lambda r: problems.append(f"finished {r.url}"))

    # a visitor arrives from a search with the campaign's tag, and sends the form
    visitor.goto(
        f"{site}/tour?utm_source=linkedin&utm_medium=paid_social&utm_campaign=autumn-plant-tour",
        referer="https://www.google.com/",
    )
    # the tracker reloads the iframe with the page's tags; wait for that page before typing
    for _ in range(600):
        loaded = [f for f in visitor.frames if "/f/tour-sign-up/?vid=" in f.url]
        if loaded:
            break
        visitor.wait_for_timeout(100)
    assert loaded, ([f.url for f in visitor.frames], problems)
    assert "utm_campaign=autumn-plant-tour" in loaded[0].url, loaded[0].url
    loaded[0].wait_for_load_state()
    frame = visitor.frame_locator("iframe[data-tandem-form]")
    frame.get_by_label("Work email").fill("gus@granite.test")
    frame.get_by_label("First name").fill("Gus")
    frame.get_by_role("checkbox", name="send me news").check()
    screenshot(visitor, "embedded-form", phone=False)
    visitor.wait_for_timeout(300)
    frame.get_by_role("button", name="Send").click()
    expect(frame.get_by_role("heading", name="Thank you — we'll be in touch.")).to_be_visible()

    # the form's touch carries the host page's tags, so the campaign gets the credit
    touch = FormSubmission.objects.get(form=form).touch
    assert (touch.utm_source, touch.utm_campaign, touch.campaign) == (
        "linkedin",
        "autumn-plant-tour",
        campaign,
    )
    assert touch.referrer == "https://www.google.com/"
    contact = Contact.objects.get(email="gus@granite.test")
    assert contact.first_touch_campaign == campaign
    assert contact.last_touch_campaign == campaign
