"""The public lead form as a visitor and a website back end use it: bad input, abuse, dedupe."""

import re

import pytest
from django.test import Client

from tandem.marketing.models import FormSubmission
from tandem.people.models import Consent, Contact, Touch


@pytest.fixture
def visitor():
    return Client(REMOTE_ADDR="198.51.100.20")


GOOD = {
    "email": "bo@bolt.test",
    "first_name": "Bo",
    "title": "Head of Plant",
    "consent": "yes",
    "utm_source": "google",
    "utm_medium": "cpc",
    "utm_campaign": "spring-webinar",
}


def _stored() -> tuple[int, int, int]:
    return Contact.objects.count(), Touch.objects.count(), FormSubmission.objects.count()


def test_hosted_page_shows_the_form_with_utm_hidden_fields(visitor, lead_form):
    page = visitor.get("/f/demo/?utm_source=linkedin&utm_campaign=spring-webinar")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="utm_source" value="linkedin"' in html
    assert lead_form.consent_wording in html
    assert 'name="website"' in html  # the honeypot


def test_submission_records_contact_touch_consent_and_utm(visitor, cast, lead_form):
    response = visitor.post("/f/demo/", GOOD)

    assert response.status_code == 201
    contact = Contact.objects.get(email="bo@bolt.test")
    touch = contact.touches.get()
    assert (touch.utm_source, touch.utm_medium, touch.campaign.name) == (
        "google",
        "cpc",
        "Spring webinar",
    )
    assert (contact.first_touch_source, contact.first_touch_medium) == ("google", "cpc")
    consent = Consent.objects.get(contact=contact, channel="email")
    assert consent.is_granted and consent.source == "form:demo"
    assert consent.wording == lead_form.consent_wording
    submission = FormSubmission.objects.get()
    assert submission.client_address == "198.51.100.20"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({**GOOD, "email": ""}, "email", id="missing-email"),
        pytest.param({**GOOD, "email": "not-an-address"}, "email", id="malformed-email"),
        pytest.param({**GOOD, "first_name": "x" * 101}, "first_name", id="too-long-name"),
        pytest.param({**GOOD, "consent": "maybe"}, "consent", id="bad-consent"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(visitor, lead_form, data, field):
    before = _stored()

    response = visitor.post("/f/demo/", data, HTTP_ACCEPT="application/json")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert _stored() == before


def test_bad_input_on_the_hosted_page_shows_the_error_beside_the_field(visitor, lead_form):
    response = visitor.post("/f/demo/", {**GOOD, "email": "nope"})

    assert response.status_code == 422
    assert "&#x27;nope&#x27; is not a valid email address" in response.content.decode()


def test_repeated_submission_gives_one_contact_and_two_touches(visitor, cast, lead_form):
    visitor.post("/f/demo/", GOOD)
    visitor.post("/f/demo/", {**GOOD, "email": "  BO@Bolt.test "})

    assert Contact.objects.filter(email="bo@bolt.test").count() == 1
    assert Touch.objects.filter(contact__email="bo@bolt.test").count() == 2


def test_unticked_consent_on_a_return_visit_keeps_the_earlier_yes(visitor, cast, lead_form):
    visitor.post("/f/demo/", GOOD)
    visitor.post("/f/demo/", {**GOOD, "consent": ""})

    assert Consent.objects.get(contact__email="bo@bolt.test").is_granted


def test_honeypot_filled_stores_nothing_and_answers_like_a_success(visitor, lead_form):
    response = visitor.post(
        "/f/demo/", {**GOOD, "website": "http://spam.test"}, HTTP_ACCEPT="application/json"
    )
    page = visitor.post("/f/demo/", {**GOOD, "website": "http://spam.test"})
    real = visitor.post("/f/demo/", {**GOOD, "email": "real@bolt.test"})

    # the bot is not told what caught it: the same thanks as a person gets
    assert response.status_code == 201
    assert response.json()["ok"] is True
    assert "honeypot" not in response.content.decode()
    assert page.status_code == real.status_code == 201
    assert page.content.decode() == real.content.decode()
    assert _stored() == (1, 1, 1)


def test_rate_limit_per_address(visitor, cast, lead_form, settings):
    settings.TANDEM_FORM_SUBMISSIONS_PER_HOUR = 3
    statuses = [
        visitor.post(
            "/f/demo/", {**GOOD, "email": f"p{i}@bolt.test"}, HTTP_ACCEPT="application/json"
        ).status_code
        for i in range(5)
    ]
    other = Client(REMOTE_ADDR="198.51.100.99").post("/f/demo/", {**GOOD, "email": "z@z.test"})

    assert statuses == [201, 201, 201, 429, 429]
    assert other.status_code == 201
    assert Contact.objects.count() == 4


def test_oversized_body_is_refused(visitor, lead_form):
    response = visitor.post("/f/demo/", {**GOOD, "first_name": "x" * 300_000})

    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_unknown_or_closed_form_is_404(visitor, lead_form):
    lead_form.is_active = False
    lead_form.save()

    assert visitor.get("/f/demo/").status_code == 404
    assert visitor.get("/f/nope/").status_code == 404


def _hidden_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([\w]+)" value="([^"]*)">', html))


def test_utm_tags_and_referrer_given_to_the_hosted_page_are_stored_on_the_touch(
    visitor, cast, lead_form, campaign
):
    # given the hosted page opened by an embedding page's tracker, with its UTM tags and referrer
    page = visitor.get(
        "/f/demo/?utm_source=newsletter&utm_medium=email&utm_campaign=autumn-launch"
        "&utm_content=hero&utm_term=audit&ref=https%3A%2F%2Fwww.example.org%2Fpost"
    )
    hidden = _hidden_inputs(page.content.decode())

    # when the visitor sends it (the browser posts the hidden inputs back)
    response = visitor.post(
        "/f/demo/",
        {**hidden, "email": "cy@cobalt.test", "consent": "yes"},
        HTTP_REFERER="http://testserver/f/demo/",
    )

    # then the touch carries the host page's tags and is credited to their campaign
    assert response.status_code == 201
    touch = Touch.objects.get(contact__email="cy@cobalt.test")
    assert (
        touch.utm_source,
        touch.utm_medium,
        touch.utm_campaign,
        touch.utm_content,
        touch.utm_term,
    ) == ("newsletter", "email", "autumn-launch", "hero", "audit")
    assert touch.campaign == campaign  # not the form's own Spring webinar
    assert touch.referrer == "https://www.example.org/post"
    contact = touch.contact
    assert contact.first_touch_campaign == campaign
    assert contact.last_touch_campaign == campaign
    assert FormSubmission.objects.get().data["utm_campaign"] == "autumn-launch"


def test_without_a_handed_over_referrer_the_request_referrer_is_kept(visitor, cast, lead_form):
    visitor.post("/f/demo/", {**GOOD, "referrer": ""}, HTTP_REFERER="https://acme.test/contact")

    assert Touch.objects.get().referrer == "https://acme.test/contact"


def test_a_referrer_that_is_no_web_address_is_refused_naming_it(visitor, lead_form):
    response = visitor.post(
        "/f/demo/", {**GOOD, "referrer": "javascript:alert(1)"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "referrer", "message": "must be an http(s) address"}
    ]
    assert _stored() == (0, 0, 0)
