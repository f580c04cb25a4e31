"""One-click unsubscribe (RFC 8058) and the preference page, without login or CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.mailing.models import Suppression, Topic, TopicOptOut
from tandem.people.models import Consent, Touch
from tests.mailing.conftest import link_paths, message_to, tamper


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_the_one_click_post_unsubscribes_without_login_or_csrf(
    delivered, smtp_inbox, csrf_client, contact_of
):
    # given the unsubscribe URL from the message's List-Unsubscribe header
    url = link_paths(message_to(smtp_inbox, "person2@acme.test"))["unsubscribe"][0]

    # when the mail provider posts the one-click body (no session, no CSRF token)
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})

    # then the consent is withdrawn, the address suppressed, and a touch recorded on the contact
    assert response.status_code == 200
    contact = contact_of("person2@acme.test")
    consent = Consent.objects.get(contact=contact, channel="email")
    assert (consent.is_granted, consent.source) == (
        False,
        "unsubscribe link: Autumn webinar invite",
    )
    assert Suppression.objects.get(email="person2@acme.test").reason == "unsubscribed"
    touch = Touch.objects.get(contact=contact, kind="note")
    assert (touch.channel, touch.summary) == (
        "email",
        "Unsubscribed from marketing email (unsubscribe link)",
    )
    assert touch.campaign.utm_campaign == "autumn-webinar"

    # and a second POST changes nothing more
    csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert Touch.objects.filter(contact=contact, kind="note").count() == 1


def test_opening_the_link_only_shows_the_page_and_changes_nothing(
    delivered, smtp_inbox, csrf_client
):
    url = link_paths(message_to(smtp_inbox, "person2@acme.test"))["unsubscribe"][0]

    response = csrf_client.get(url)

    assert response.status_code == 200
    assert "Unsubscribe from all marketing email" in response.content.decode()
    assert not Suppression.objects.exists()


def test_the_preference_page_keeps_topic_choices(delivered, smtp_inbox, csrf_client, contact_of):
    # given two topics
    newsletter = Topic.objects.create(name="the monthly newsletter")
    events = Topic.objects.create(name="event invitations")
    url = link_paths(message_to(smtp_inbox, "person3@acme.test"))["unsubscribe"][0]

    # when the contact opts out of the newsletter only
    response = csrf_client.post(url, {"action": "topics", "topic_out": [str(newsletter.pk)]})

    # then that choice is kept and they are not unsubscribed from everything
    assert response.status_code == 200
    assert "Your choices are saved." in response.content.decode()
    assert list(
        TopicOptOut.objects.filter(contact=contact_of("person3@acme.test")).values_list(
            "topic__name", flat=True
        )
    ) == ["the monthly newsletter"]
    assert not Suppression.objects.exists()
    assert events.opt_outs.count() == 0


def test_an_altered_unsubscribe_link_is_refused(delivered, smtp_inbox, csrf_client):
    url = link_paths(message_to(smtp_inbox, "person2@acme.test"))["unsubscribe"][0]
    tampered = tamper(url)

    response = csrf_client.post(tampered, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_the_unsubscribe_link_is_rate_limited_per_address(
    delivered, smtp_inbox, csrf_client, settings
):
    settings.TANDEM_MAIL_LINK_HITS_PER_MINUTE = 2
    url = link_paths(message_to(smtp_inbox, "person2@acme.test"))["unsubscribe"][0]

    codes = [csrf_client.get(url).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
