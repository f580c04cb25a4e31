"""Bounces and complaints suppress the address: from the provider's webhook or a mailbox."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tandem.access import services as access
from tandem.mailing import engine, services
from tandem.mailing.models import EmailRecipient, Suppression
from tandem.people.models import Consent
from tests.api.conftest import Api


@pytest.fixture
def webhook(cast):
    _, raw = access.token_issue(user=cast.marketing_manager, name="provider webhook")
    return Api(raw)


def test_a_bounce_from_the_webhook_suppresses_the_address_and_the_next_send_skips_it(
    cast, delivered, webhook, audience, make_send, smtp_inbox
):
    # given the provider reports a hard bounce and a complaint for two recipients
    bounced = EmailRecipient.objects.get(send=delivered, email="person1@acme.test")
    response = webhook.post(
        "/email-events",
        {
            "events": [
                {
                    "type": "bounce",
                    "email": "Person1@Acme.test",
                    "detail": "550 5.1.1 user unknown",
                    "message_id": f"<{bounced.message_id}>",
                },
                {"type": "complaint", "email": "person2@acme.test"},
                {"type": "delivered", "email": "person3@acme.test"},
                {"type": "bounce", "email": "not an address"},
            ]
        },
    )

    # then the good ones are kept and the bad ones named by index
    assert response.status_code == 200
    assert response.json() == {
        "recorded": 2,
        "errors": [
            {"index": 2, "field": "type", "message": "use one of bounce, complaint, unsubscribe"},
            {
                "index": 3,
                "field": "email",
                "message": "'not an address' is not a valid email address",
            },
        ],
    }
    assert dict(Suppression.objects.values_list("email", "reason")) == {
        "person1@acme.test": "bounced",
        "person2@acme.test": "complained",
    }
    bounced.refresh_from_db()
    assert bounced.reason == "bounce: 550 5.1.1 user unknown"
    assert Consent.objects.get(contact__email="person2@acme.test").is_granted is False

    # and the next send to the same people skips both
    smtp_inbox.messages.clear()
    again = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=again)
    engine.send_batch_run(send_id=again.pk)
    assert sorted(m["To"] for m in smtp_inbox.messages) == [
        "person3@acme.test",
        "person4@acme.test",
        "person5@acme.test",
    ]


def test_the_webhook_needs_a_token_of_someone_who_may_suppress(cast):
    _, raw = access.token_issue(user=cast.sales_rep, name="rep")
    body = {"events": [{"type": "bounce", "email": "a@b.test"}]}

    assert Api(None).post("/email-events", body).status_code == 401
    assert Api(raw).post("/email-events", body).status_code == 403
    assert not Suppression.objects.exists()


DSN = b"""From mailer-daemon@mx.test Mon Nov 23 10:00:00 2026
From: Mail Delivery System <mailer-daemon@mx.test>
To: news@acme-marketing.test
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.test

Final-Recipient: rfc822; gone@acme.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@acme.test>: Recipient address rejected

Final-Recipient: rfc822; full@acme.test
Action: delayed
Status: 4.2.2

--b1
Content-Type: text/rfc822-headers

Message-ID: <abc@tandem>
To: gone@acme.test

--b1--

From feedback@isp.test Mon Nov 23 10:05:00 2026
From: feedback@isp.test
To: news@acme-marketing.test
Subject: Complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b2"

--b2
Content-Type: text/plain

This is an email abuse report.

--b2
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1
Original-Rcpt-To: <angry@acme.test>

--b2--
"""


def test_the_bounce_command_reads_a_mailbox_of_reports(db, tmp_path):
    # given an mbox with a DSN (one hard bounce, one delay) and an abuse report
    path = tmp_path / "bounces.mbox"
    path.write_bytes(DSN)
    out = StringIO()

    call_command("mail_bounces", str(path), stdout=out)

    # then the hard bounce and the complaint are suppressed, the delay is not
    assert out.getvalue().strip() == "1 bounce(s) and 1 complaint(s) suppressed"
    assert dict(Suppression.objects.values_list("email", "reason")) == {
        "gone@acme.test": "bounced",
        "angry@acme.test": "complained",
    }
    assert Suppression.objects.get(email="gone@acme.test").detail == (
        "smtp; 550 5.1.1 <gone@acme.test>: Recipient address rejected"
    )
