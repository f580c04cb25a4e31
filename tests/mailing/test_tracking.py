"""Opens and clicks through signed links, recorded as touches; no open redirect."""

from __future__ import annotations

from tandem.mailing import links
from tandem.mailing.models import EmailClick, EmailRecipient
from tandem.people.models import Touch
from tests.mailing.conftest import link_paths, message_to, tamper


def test_the_pixel_records_one_open_touch_however_often_it_is_fetched(
    delivered, smtp_inbox, client, contact_of
):
    pixel = link_paths(message_to(smtp_inbox, "person1@acme.test"))["open"][0]

    responses = [client.get(pixel) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0]["Content-Type"] == "image/gif" and responses[0].content[:6] == b"GIF89a"
    recipient = EmailRecipient.objects.get(email="person1@acme.test")
    assert (recipient.open_count, recipient.opened_at is not None) == (3, True)
    touches = Touch.objects.filter(contact=contact_of("person1@acme.test"), kind="email_open")
    assert [(t.channel, t.campaign.utm_campaign) for t in touches] == [("email", "autumn-webinar")]


def test_a_click_redirects_to_the_link_and_records_a_touch_per_link(
    delivered, smtp_inbox, client, contact_of
):
    # given the two tracked links of the message
    webinar, agenda = link_paths(message_to(smtp_inbox, "person1@acme.test"))["clicks"]

    # when the contact clicks the first twice and the second once
    first = client.get(webinar)
    client.get(webinar)
    client.get(agenda)

    # then they land on the real links; one click touch per link, and the click counts an open
    assert (first.status_code, first["Location"]) == (302, "https://example.org/webinar?x=1&y=2")
    contact = contact_of("person1@acme.test")
    assert Touch.objects.filter(contact=contact, kind="email_click").count() == 2
    assert Touch.objects.filter(contact=contact, kind="email_open").count() == 1
    assert dict(EmailClick.objects.values_list("url", "count")) == {
        "https://example.org/webinar?x=1&y=2": 2,
        "https://example.org/agenda": 1,
    }
    contact.refresh_from_db()
    assert contact.score > 0  # clicks and opens feed the rule score


def test_a_tampered_click_link_is_refused(delivered, smtp_inbox, client):
    webinar = link_paths(message_to(smtp_inbox, "person1@acme.test"))["clicks"][0]
    tampered = webinar[:-6] + ("A" if webinar[-6] != "A" else "B") + webinar[-5:]

    response = client.get(tampered)

    assert response.status_code == 404
    assert not Touch.objects.filter(kind="email_click").exists()


def test_a_validly_signed_link_to_a_url_not_in_the_message_is_refused(delivered, client):
    # given a correctly signed token for a URL the message never held (say the secret leaked)
    recipient = EmailRecipient.objects.get(email="person1@acme.test")
    token = links.click_token(recipient.pk, "https://evil.example/phish")

    response = client.get(f"/mail/c/{token}/")

    # then nobody is sent there
    assert response.status_code == 404
    assert "Location" not in response


def test_a_tampered_pixel_records_nothing(delivered, smtp_inbox, client):
    pixel = link_paths(message_to(smtp_inbox, "person1@acme.test"))["open"][0]

    response = client.get(tamper(pixel))

    assert response.status_code == 404
    assert not Touch.objects.filter(kind="email_open").exists()
