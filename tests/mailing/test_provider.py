"""A mail provider's API through django-anymail: sending, and its webhooks suppressing addresses.

No network: sends go to anymail's test backend; the webhook is a real POST of the provider's
own payload to the mounted URL.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.core import mail
from django.test import Client

from tandem import config
from tandem.mailing import engine, messages, services
from tandem.mailing.models import EmailRecipient, RecipientState, SendStatus, Suppression
from tandem.people.models import Consent

SECRET = "postmark:s3cret-hook"
URL = "/anymail/postmark/tracking/"


@pytest.fixture
def provider(settings):
    """Email goes through anymail (its test backend stands in for a provider's API)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    mail.outbox = []
    return mail.outbox


def postmark(payload: dict, *, secret: str | None = SECRET):
    headers = {}
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(secret.encode()).decode()
    return Client().post(URL, json.dumps(payload), content_type="application/json", **headers)


def bounce_of(email: str, message_id: str) -> dict:
    """A hard bounce as Postmark posts it to a bounce webhook."""
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "broadcast",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "news@acme-marketing.test",
        "BouncedAt": "2026-11-20T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Per1, join us",
        "Metadata": {},
    }


def test_a_send_goes_out_through_the_providers_api(cast, audience, make_send, provider):
    # given a send to five contacts, email configured for a provider through anymail
    send = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=send)

    # when the batch runs
    result = engine.send_batch_run(send_id=send.pk)

    # then the provider got one personalised message per contact, with one-click unsubscribe
    assert (result.sent, result.failed, result.uncertain) == (5, 0, 0)
    assert sorted(m.to[0] for m in provider) == [f"person{n}@acme.test" for n in range(1, 6)]
    first = next(m for m in provider if m.to == ["person1@acme.test"])
    assert first.subject == "Per1, join us"
    assert first.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/mail/u/")
    # and each row keeps the provider's message id, which its webhooks name
    rows = EmailRecipient.objects.filter(send=send).order_by("id")
    assert [r.state for r in rows] == [RecipientState.SENT] * 5
    assert [r.message_id for r in rows] == [
        str(m.anymail_status.message_id) for m in sorted(provider, key=lambda m: m.to[0])
    ]
    send.refresh_from_db()
    assert send.status == SendStatus.FINISHED


def test_a_provider_refusing_one_recipient_fails_that_row_and_goes_on(
    cast, audience, make_send, provider, monkeypatch
):
    # given the provider rejects person2's address
    from anymail.message import AnymailRecipientStatus

    original = messages.Prepared.message

    def message(self, recipient, contact, connection):
        built, message_id = original(self, recipient, contact, connection)
        if recipient.email == "person2@acme.test":
            built.anymail_test_response = {
                "recipient_status": {
                    recipient.email: AnymailRecipientStatus(message_id=None, status="rejected")
                }
            }
        return built, message_id

    monkeypatch.setattr(messages.Prepared, "message", message)
    send = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=send)

    # when the batch runs
    result = engine.send_batch_run(send_id=send.pk)

    # then that row failed, the others went
    assert (result.sent, result.failed) == (4, 1)
    failed = EmailRecipient.objects.get(send=send, state=RecipientState.FAILED)
    assert failed.email == "person2@acme.test"
    assert failed.reason.startswith("refused by the mail server")


def test_a_provider_without_its_key_pauses_the_send_naming_the_problem(
    cast, audience, make_send, settings
):
    # given the Postmark backend but no server token
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {}
    send = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=send)

    # when the batch runs
    engine.send_batch_run(send_id=send.pk)

    # then nothing went, the send is paused and says why
    send.refresh_from_db()
    assert send.status == SendStatus.PAUSED
    assert send.last_error.startswith("the email backend is not configured")
    assert "POSTMARK_SERVER_TOKEN" in send.last_error
    assert set(EmailRecipient.objects.filter(send=send).values_list("state", flat=True)) == {
        RecipientState.PENDING
    }


def test_a_bounce_posted_by_the_provider_suppresses_the_address_and_the_next_send_skips_it(
    cast, audience, make_send, provider
):
    # given a send went out through the provider
    send = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=send)
    engine.send_batch_run(send_id=send.pk)
    bounced = EmailRecipient.objects.get(send=send, email="person1@acme.test")

    # when Postmark posts a hard bounce for person1 to the tracking webhook
    response = postmark(bounce_of("Person1@acme.test", bounced.message_id))

    # then the address is suppressed as a bounce, and the row says why
    assert response.status_code == 200
    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason) == ("person1@acme.test", "bounced")
    assert "550 5.1.1" in suppression.detail
    bounced.refresh_from_db()
    assert bounced.reason.startswith("bounce: bounced The server was unable to deliver")

    # and the next send skips person1
    provider.clear()
    again = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=again)
    engine.send_batch_run(send_id=again.pk)
    assert sorted(m.to[0] for m in provider) == [f"person{n}@acme.test" for n in range(2, 6)]
    assert EmailRecipient.objects.get(send=again, email="person1@acme.test").reason == (
        "suppressed: bounced"
    )


@pytest.mark.parametrize(
    "payload, reason",
    [
        pytest.param(
            {
                "RecordType": "SpamComplaint",
                "Type": "SpamComplaint",
                "Email": "person3@acme.test",
                "MessageID": "00000000-0000-0000-0000-000000000003",
                "BouncedAt": "2026-11-20T16:33:54Z",
                "Description": "The subscriber explicitly marked this message as spam.",
            },
            "complained",
            id="spam-complaint",
        ),
        pytest.param(
            {
                "RecordType": "SubscriptionChange",
                "MessageID": "00000000-0000-0000-0000-000000000003",
                "Recipient": "person3@acme.test",
                "SuppressSending": True,
                "SuppressionReason": "ManualSuppression",
                "ChangedAt": "2026-11-20T16:33:54Z",
            },
            "unsubscribed",
            id="unsubscribed-at-the-provider",
        ),
    ],
)
def test_a_complaint_or_unsubscribe_from_the_provider_suppresses_and_withdraws_consent(
    cast, audience, provider, payload, reason
):
    response = postmark(payload)

    assert response.status_code == 200
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("person3@acme.test", reason)
    ]
    assert Consent.objects.get(contact__email="person3@acme.test").is_granted is False


def test_a_soft_bounce_or_an_open_suppresses_nothing(cast, audience, provider):
    transient = {**bounce_of("person1@acme.test", "x"), "Type": "Transient", "TypeCode": 2}
    opened = {"RecordType": "Open", "Recipient": "person2@acme.test", "MessageID": "y"}

    assert postmark(transient).status_code == 200
    assert postmark(opened).status_code == 200

    assert not Suppression.objects.exists()


def test_the_webhook_refuses_a_post_without_the_secret(cast, audience, provider):
    response = postmark(bounce_of("person1@acme.test", "x"), secret="postmark:guess")

    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_the_webhook_is_off_while_no_secret_is_configured(cast, audience, provider, settings):
    settings.ANYMAIL = {}

    response = postmark(bounce_of("person1@acme.test", "x"), secret=None)

    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_the_email_url_names_an_anymail_provider():
    assert config.email_settings("anymail://postmark") == {
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend"
    }
    assert config.email_settings("anymail://amazon_ses") == {
        "EMAIL_BACKEND": "anymail.backends.amazon_ses.EmailBackend"
    }
    with pytest.raises(config.ConfigurationError, match="no provider django-anymail knows"):
        config.email_settings("anymail://pigeon")


def test_the_providers_settings_come_from_anymail_variables():
    environ = {
        "ANYMAIL_POSTMARK_SERVER_TOKEN": "pm-token",
        "ANYMAIL_WEBHOOK_SECRET": "user:pass",
        "ANYMAIL_EMPTY": "",
        "TANDEM_EMAIL_URL": "anymail://postmark",
    }

    assert config.anymail_settings(environ) == {
        "POSTMARK_SERVER_TOKEN": "pm-token",
        "WEBHOOK_SECRET": "user:pass",
    }


def test_production_with_a_provider_needs_the_webhook_secret(monkeypatch):
    for name in config.REQUIRED_IN_PRODUCTION:
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("TANDEM_EMAIL_URL", "anymail://postmark")
    monkeypatch.delenv("ANYMAIL_WEBHOOK_SECRET", raising=False)

    with pytest.raises(config.ConfigurationError, match="ANYMAIL_WEBHOOK_SECRET"):
        config.check_production_settings()

    monkeypatch.setenv("ANYMAIL_WEBHOOK_SECRET", "user:pass")
    config.check_production_settings()
