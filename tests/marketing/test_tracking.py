"""Web tracking: the pixel records anonymous visits; a form submission joins them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core import signing
from django.test import Client

from tandem.marketing import form_services, tracking
from tandem.marketing.models import Visit
from tandem.people.models import Contact, Touch

VID = "visitor-abcdefghijklmnop"


@pytest.fixture
def browser_client():
    return Client(REMOTE_ADDR="198.51.100.40")


def _visit(client, url, referrer="", vid=VID):
    return client.get("/t/p.gif", {"u": url, "r": referrer, "vid": vid, "c": "1"})


def test_the_pixel_records_a_visit_with_utm_and_referrer(db, browser_client):
    response = _visit(
        browser_client,
        "https://acme.test/pricing?utm_source=google&utm_medium=cpc&utm_campaign=autumn-launch",
        "https://www.google.com/",
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert len(response.content) == 43
    assert response.cookies[tracking.VISITOR_COOKIE].value == VID
    visit = Visit.objects.get()
    assert (visit.visitor_id, visit.utm_source, visit.utm_medium, visit.utm_campaign) == (
        VID,
        "google",
        "cpc",
        "autumn-launch",
    )
    assert visit.referrer == "https://www.google.com/"
    assert visit.contact is None


@pytest.mark.parametrize("consent", [{}, {"c": "0"}], ids=["unsaid", "refused"])
def test_before_consent_no_id_is_accepted_no_cookie_set_nothing_stored(db, browser_client, consent):
    browser_client.cookies[tracking.VISITOR_COOKIE] = VID
    response = browser_client.get("/t/p.gif", {"u": "https://acme.test/", "vid": VID, **consent})

    assert response.status_code == 200 and len(response.content) == 43
    assert response["X-Tandem-Visit"] == "no consent"
    assert tracking.VISITOR_COOKIE not in response.cookies
    assert Visit.objects.count() == 0


def test_a_new_visitor_gets_an_id_cookie(db, browser_client):
    response = browser_client.get("/t/p.gif", {"u": "https://acme.test/", "c": "1"})

    vid = response.cookies[tracking.VISITOR_COOKIE].value
    assert tracking.visitor_id_clean(vid) == vid
    assert Visit.objects.get().visitor_id == vid


@pytest.mark.parametrize(
    "query",
    [
        {"u": "javascript:alert(1)", "vid": VID},
        {"u": "https://acme.test/" + "x" * 600, "vid": VID},
        {"u": "https://acme.test/", "r": "not a url", "vid": VID},
        {"vid": VID},
    ],
    ids=["script-url", "too-long", "bad-referrer", "no-url"],
)
def test_bad_visits_are_ignored_but_the_pixel_still_answers(db, browser_client, query):
    response = browser_client.get("/t/p.gif", {**query, "c": "1"})

    assert response.status_code == 200
    assert response["X-Tandem-Visit"] == "ignored"
    assert Visit.objects.count() == 0


def test_a_visitor_id_of_the_wrong_shape_is_replaced(db, browser_client):
    response = browser_client.get(
        "/t/p.gif", {"u": "https://acme.test/", "vid": "<script>", "c": "1"}
    )

    assert response.cookies[tracking.VISITOR_COOKIE].value != "<script>"
    assert Visit.objects.get().visitor_id == response.cookies[tracking.VISITOR_COOKIE].value


def test_visits_are_rate_limited_per_address(db, browser_client, settings):
    settings.TANDEM_VISITS_PER_HOUR = 2

    answers = [_visit(browser_client, f"https://acme.test/{n}")["X-Tandem-Visit"] for n in range(3)]

    assert answers == ["stored", "stored", "ignored"]


def test_a_form_submission_turns_earlier_visits_into_touches(cast, lead_form, browser_client):
    _visit(browser_client, "https://acme.test/blog?utm_source=linkedin&utm_medium=social")
    _visit(browser_client, "https://acme.test/pricing")
    started = signing.Signer(salt=form_services.FORM_STARTED_SALT).sign(f"{time.time() - 30:.3f}")

    response = browser_client.post(
        "/f/demo/",
        {"email": "vi@violet.test", "consent": "yes", "form_started": started},
    )

    assert response.status_code == 201
    contact = Contact.objects.get(email="vi@violet.test")
    kinds = list(contact.touches.order_by("occurred_at", "id").values_list("kind", flat=True))
    assert kinds == ["page_visit", "page_visit", "form_submission"]
    assert (contact.first_touch_source, contact.first_touch_medium) == ("linkedin", "social")
    assert contact.last_touch_campaign.utm_campaign == "spring-webinar"
    assert Visit.objects.filter(contact=contact).count() == 2


def test_a_known_visitors_later_visit_is_a_touch_at_once(cast, lead_form, browser_client):
    contact = Contact.objects.create(email="kn@known.test")
    tracking.visits_join(visitor_id=VID, contact=contact)
    _visit(browser_client, "https://acme.test/first")
    tracking.visits_join(visitor_id=VID, contact=contact)

    _visit(browser_client, "https://acme.test/again")

    assert Touch.objects.filter(contact=contact, kind="page_visit").count() == 2
    assert Visit.objects.filter(contact__isnull=True).count() == 0


def test_the_tracker_script_is_served_from_static(db):
    from django.contrib.staticfiles import finders

    path = finders.find("tandem/tracker.js")

    assert path is not None
    script = Path(path).read_text(encoding="utf-8")
    assert "/t/p.gif?" in script and "tdm_vid" in script
