"""Sending a campaign email: personalised, through real SMTP, once per consenting contact."""

from __future__ import annotations

import datetime as dt
import re
import time

from django.utils import timezone

from tandem.mailing import engine, preference_services, services
from tandem.mailing.models import EmailRecipient, EmailSend, SendStatus
from tandem.mailing.selectors import send_progress
from tandem.people import services as people
from tandem.people.models import Touch
from tests.mailing.conftest import a_contact, run_until_the_worker_dies_after_smtp, segment_of


def states(send):
    return dict(
        EmailRecipient.objects.filter(send=send).order_by("id").values_list("email", "state")
    )


def addressees(inbox):
    return sorted(m["To"] for m in inbox.messages)


def test_each_consenting_contact_gets_one_personalised_message_with_tracking_and_unsubscribe(
    cast, audience, make_send, smtp_inbox, django_capture_on_commit_callbacks
):
    # given five consenting contacts, one who never agreed, one who withdrew, one suppressed,
    # and one consenting contact in an exclusion segment
    no_consent = a_contact(cast, 6, consent=None)
    withdrawn = a_contact(cast, 7, consent=False)
    suppressed = a_contact(cast, 8)
    services.suppression_add(email=suppressed.email, reason="bounced")
    excluded = a_contact(cast, 9)
    send = make_send(
        [*audience, no_consent, withdrawn, suppressed, excluded],
        exclusions=[segment_of("Competitors", [excluded])],
    )

    # when marketing starts it and the background batches run
    with django_capture_on_commit_callbacks(execute=True):
        services.send_start(actor=cast.marketer, send=send)

    # then each consenting contact got exactly one message, the others were skipped with a reason
    assert addressees(smtp_inbox) == [f"person{n}@acme.test" for n in range(1, 6)]
    assert dict(
        EmailRecipient.objects.filter(send=send, state="skipped").values_list("email", "reason")
    ) == {
        "person6@acme.test": "no email consent",
        "person7@acme.test": "email consent withdrawn",
        "person8@acme.test": "suppressed: bounced",
    }
    send.refresh_from_db()
    assert send.status == SendStatus.FINISHED
    progress = send_progress(send=send)
    assert (progress.total, progress.sent, progress.skipped, progress.pending) == (8, 5, 3, 0)

    # and the message is personalised, with a one-click unsubscribe and tracked links
    message = next(m for m in smtp_inbox.messages if m["To"] == "person1@acme.test")
    recipient = EmailRecipient.objects.get(send=send, email="person1@acme.test")
    assert message["Subject"] == "Per1, join us"
    assert message["From"] == "Acme Marketing <news@acme-marketing.test>"
    assert message["Message-ID"] == f"<{recipient.message_id}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # (only the https link: no mailto: that nobody would read)
    https = "".join(message["List-Unsubscribe"].split()).removeprefix("<").removesuffix(">")
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/mail/u/[^/]+/", https)
    text, html = (
        part.get_payload(decode=True).decode().replace("\r\n", "\n")
        for part in message.get_payload()
    )
    assert text == "Hi Per1,\nSave your seat: https://example.org/webinar\n"
    assert "<p>Hi Per1,</p>" in html and "Acme 1 is invited." in html
    hrefs = re.findall(r"""href=["']([^"']+)["']""", html)
    assert len(hrefs) == 3
    assert all(h.startswith("http://127.0.0.1:8000/mail/c/") for h in hrefs[:2])
    assert hrefs[2] == https  # the unsubscribe link itself is not wrapped
    assert re.search(r'<img src="http://127\.0\.0\.1:8000/mail/o/[^"]+\.gif"', html)

    # and every delivery is an 'email sent' touch credited to the campaign
    touches = Touch.objects.filter(kind="email_sent")
    assert touches.count() == 5
    assert set(touches.values_list("campaign__utm_campaign", flat=True)) == {"autumn-webinar"}


def test_a_contact_who_unsubscribes_between_batches_is_not_sent(
    cast, audience, make_send, smtp_inbox
):
    # given a send in batches of two, started, its first batch sent
    send = make_send(audience, batch_size=2)
    services.send_start(actor=cast.marketer, send=send)
    first = engine.send_batch_run(send_id=send.pk)
    assert (first.sent, first.has_more) == (2, True)

    # when the third contact unsubscribes and the fourth's address is suppressed by hand
    third = EmailRecipient.objects.get(send=send, email="person3@acme.test")
    preference_services.recipient_unsubscribe(recipient=third)
    services.suppression_add(email="person4@acme.test", reason="manual", actor=cast.marketer)
    second = engine.send_batch_run(send_id=send.pk)
    third_batch = engine.send_batch_run(send_id=send.pk)

    # then neither is sent: consent and suppression are read right before each message
    assert (second.sent, second.skipped, third_batch.sent, third_batch.has_more) == (0, 2, 1, False)
    assert addressees(smtp_inbox) == ["person1@acme.test", "person2@acme.test", "person5@acme.test"]
    assert states(send) == {
        "person1@acme.test": "sent",
        "person2@acme.test": "sent",
        "person3@acme.test": "skipped",
        "person4@acme.test": "skipped",
        "person5@acme.test": "sent",
    }
    assert EmailRecipient.objects.get(email="person4@acme.test").reason == "suppressed: manual"


def test_consent_withdrawn_a_moment_before_the_message_is_honoured(cast, audience, make_send):
    # given a started send
    send = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=send)

    # when the last contact withdraws consent after the recipients were materialised
    engine.recipients_materialise(send=send)
    people.consent_record(contact=audience[4], channel="email", is_granted=False, source="form")
    engine.send_batch_run(send_id=send.pk)

    # then they are skipped
    assert EmailRecipient.objects.get(contact=audience[4]).reason == "email consent withdrawn"


def test_pause_and_resume_send_everyone_exactly_once(
    cast, audience, make_send, smtp_inbox, django_capture_on_commit_callbacks
):
    # given a send whose first batch went out
    send = make_send(audience, batch_size=2)
    services.send_start(actor=cast.marketer, send=send)
    engine.send_batch_run(send_id=send.pk)

    # when it is paused, a queued batch runs anyway, and it is resumed later
    services.send_pause(actor=cast.marketer, send=send)
    while_paused = engine.send_batch_run(send_id=send.pk)
    assert (while_paused.sent, send_progress(send=send).status) == (0, "paused")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_resume(actor=cast.marketer, send=send)

    # then everyone got one message, nobody two
    assert addressees(smtp_inbox) == [f"person{n}@acme.test" for n in range(1, 6)]
    send.refresh_from_db()
    assert send.status == SendStatus.FINISHED


def test_a_worker_dying_after_smtp_leaves_one_uncertain_row_and_the_resume_fills_the_gap(
    cast, audience, make_send, smtp_inbox, monkeypatch, django_capture_on_commit_callbacks
):
    # given a send whose worker dies after SMTP accepted the third message, before marking it
    send = make_send(audience, batch_size=5)
    services.send_start(actor=cast.marketer, send=send)
    run_until_the_worker_dies_after_smtp(send, monkeypatch)
    assert list(states(send).values()) == ["sent", "sent", "sending", "pending", "pending"]

    # when the stalled send is resumed
    with django_capture_on_commit_callbacks(execute=True):
        services.send_resume(actor=cast.marketer, send=send)

    # then the rest is sent, nobody twice, and the ambiguous row is surfaced, not resent
    assert addressees(smtp_inbox) == [f"person{n}@acme.test" for n in range(1, 6)]
    assert list(states(send).values()) == ["sent", "sent", "uncertain", "sent", "sent"]
    progress = send_progress(send=send)
    assert (progress.sent, progress.uncertain, progress.status) == (4, 1, "finished")


def test_a_worker_killed_outright_holds_the_send_until_its_lease_runs_out(
    cast, audience, make_send, smtp_inbox
):
    # given a send whose worker was killed mid-batch (its lease is still in the future)
    send = make_send(audience, batch_size=5)
    services.send_start(actor=cast.marketer, send=send)
    EmailSend.objects.filter(pk=send.pk).update(
        lease_token="dead", lease_expires_at=timezone.now() + dt.timedelta(seconds=30)
    )

    # when another batch runs while the lease lasts, and after it ran out
    during = engine.send_batch_run(send_id=send.pk)
    EmailSend.objects.filter(pk=send.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    after = engine.send_batch_run(send_id=send.pk)

    # then the first does nothing and the second takes over
    assert (during.held, during.sent, after.held, after.sent) == (False, 0, True, 5)
    assert len(smtp_inbox.messages) == 5


def test_an_unreachable_mail_server_pauses_the_send_with_the_reason(
    cast, audience, make_send, settings
):
    from tests.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    send = make_send(audience)
    services.send_start(actor=cast.marketer, send=send)

    result = engine.send_batch_run(send_id=send.pk)

    send.refresh_from_db()
    assert (result.sent, send.status) == (0, SendStatus.PAUSED)
    assert send.last_error.startswith("could not reach the mail server:")
    assert set(states(send).values()) == {"pending"}


def test_a_send_is_throttled_to_its_rate(cast, audience, make_send, smtp_inbox):
    # given a send at ten messages a second
    send = make_send(audience, batch_size=5, rate=10)
    services.send_start(actor=cast.marketer, send=send)
    started = time.monotonic()

    # when its batch of five runs
    result = engine.send_batch_run(send_id=send.pk)

    # then the five messages took at least four intervals of a tenth of a second
    assert result.sent == 5
    assert time.monotonic() - started >= 0.4


def test_a_delivery_becomes_the_contacts_last_touch_credited_to_the_campaign(
    cast, audience, make_send, smtp_inbox, contact_of
):
    send = make_send(audience[:1])
    services.send_start(actor=cast.marketer, send=send)

    engine.send_batch_run(send_id=send.pk)

    contact = contact_of("person1@acme.test")
    touch = Touch.objects.get(contact=contact, kind="email_sent")
    assert (contact.last_touch_at, contact.last_touch_medium) == (touch.occurred_at, "email")
    assert contact.last_touch_campaign.utm_campaign == "autumn-webinar"


def test_the_message_ends_with_the_configured_seller_and_postal_address(
    cast, audience, make_send, smtp_inbox, settings
):
    # given the seller's identity in the settings (CAN-SPAM asks for the postal address)
    settings.TANDEM_SELLER_NAME = "Fjord Sensors AS"
    settings.TANDEM_SELLER_ADDRESS = ["Bryggen 4", "5003 Bergen & Co", "Norway"]
    send = make_send(audience[:1], batch_size=10)
    services.send_start(actor=cast.marketer, send=send)

    # when the batch runs
    engine.send_batch_run(send_id=send.pk)

    # then both parts end with the seller's name and address, escaped in the HTML, no link added
    text, html = (
        part.get_payload(decode=True).decode().replace("\r\n", "\n")
        for part in smtp_inbox.messages[0].get_payload()
    )
    footer = "Fjord Sensors AS · Bryggen 4 · 5003 Bergen & Co · Norway"
    assert text == f"Hi Per1,\nSave your seat: https://example.org/webinar\n\n{footer}\n"
    assert f"{footer.replace('&', '&amp;')}</p>" in html
    assert len(re.findall(r"""href=["']([^"']+)["']""", html)) == 3


def test_no_footer_is_added_when_no_seller_is_configured(cast, audience, make_send, smtp_inbox):
    send = make_send(audience[:1], batch_size=10)
    services.send_start(actor=cast.marketer, send=send)

    engine.send_batch_run(send_id=send.pk)

    message = smtp_inbox.messages[0]
    assert "Kestrel" not in message.as_string()
    assert "Fjord" not in message.as_string()
