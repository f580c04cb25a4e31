"""Settling a recipient left uncertain by a worker that died between SMTP and *sent*."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.audit.models import AuditEntry
from tandem.mailing import services
from tandem.mailing.models import EmailRecipient, SendStatus
from tandem.mailing.selectors import send_progress
from tandem.people.models import Touch, TouchKind
from tests.mailing.conftest import run_until_the_worker_dies_after_smtp


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def uncertain_send(
    cast, audience, make_send, smtp_inbox, monkeypatch, django_capture_on_commit_callbacks
):
    """A finished send whose worker died after SMTP took person3's message, before recording
    it: person3's row is uncertain, and person3 did get the message once."""
    send = make_send(audience, batch_size=5)
    services.send_start(actor=cast.marketer, send=send)
    run_until_the_worker_dies_after_smtp(send, monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_resume(actor=cast.marketer, send=send)
    assert send_progress(send=send).uncertain == 1
    return send


def to_person3(inbox) -> int:
    return sum(1 for m in inbox.messages if m["To"] == "person3@acme.test")


def test_a_manager_marks_an_uncertain_message_as_sent(
    cast, uncertain_send, smtp_inbox, django_capture_on_commit_callbacks
):
    # given the send page shows person3 as uncertain, with the manager's two choices
    manager = logged_in(cast.marketing_manager)
    page = manager.get(f"/mail/sends/{uncertain_send.pk}/").content.decode()
    assert "Mark as sent" in page and "Send again" in page
    row = EmailRecipient.objects.get(send=uncertain_send, email="person3@acme.test")

    # when the manager marks it as sent
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"/mail/sends/{uncertain_send.pk}/recipients/{row.pk}/sent/")

    # then the row is sent, with its delivery touch, nothing went out again, and it is audited
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.reason) == ("sent", "marked as sent by max (it may have gone)")
    assert row.sent_at == row.attempted_at
    assert Touch.objects.filter(contact=row.contact, kind=TouchKind.EMAIL_SENT).count() == 1
    assert to_person3(smtp_inbox) == 1
    progress = send_progress(send=uncertain_send)
    assert (progress.sent, progress.uncertain, progress.status) == (5, 0, "finished")
    entry = AuditEntry.objects.get(record_type="mailing.emailrecipient", record_id=str(row.pk))
    assert (entry.action, entry.actor_label, entry.changes["state"]) == (
        "update",
        "max",
        ["uncertain", "sent"],
    )


def test_a_manager_sends_an_uncertain_message_again_only_after_accepting_a_duplicate(
    cast, uncertain_send, smtp_inbox, django_capture_on_commit_callbacks
):
    manager = logged_in(cast.marketing_manager)
    row = EmailRecipient.objects.get(send=uncertain_send, email="person3@acme.test")
    url = f"/mail/sends/{uncertain_send.pk}/recipients/{row.pk}/again/"

    # when the manager asks to send again without ticking the warning, nothing happens
    response = manager.post(url, follow=True)
    assert "they may get it twice" in response.content.decode()
    row.refresh_from_db()
    assert row.state == "uncertain"
    assert to_person3(smtp_inbox) == 1

    # when the manager ticks it and sends again
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(url, {"duplicate_accepted": "yes"})

    # then the finished send picks the row up again, person3 gets the message a second time,
    # the send finishes again, and both changes are audited
    assert to_person3(smtp_inbox) == 2
    row.refresh_from_db()
    assert row.state == "sent"
    uncertain_send.refresh_from_db()
    assert uncertain_send.status == SendStatus.FINISHED
    progress = send_progress(send=uncertain_send)
    assert (progress.sent, progress.uncertain) == (5, 0)
    changes = [
        e.changes["state"]
        for e in AuditEntry.objects.filter(
            record_type="mailing.emailrecipient", record_id=str(row.pk)
        )
    ]
    assert changes == [["uncertain", "pending"]]
    send_changes = [
        e.changes.get("status")
        for e in AuditEntry.objects.filter(
            record_type="mailing.emailsend", record_id=str(uncertain_send.pk), actor_label="max"
        )
    ]
    assert send_changes == [["finished", "sending"]]


def test_a_marketer_may_not_settle_even_their_own_send(cast, uncertain_send):
    # given the marketer who made the send
    marketer = logged_in(cast.marketer)
    row = EmailRecipient.objects.get(send=uncertain_send, email="person3@acme.test")

    # then the page offers no settling, and a post is refused
    page = marketer.get(f"/mail/sends/{uncertain_send.pk}/").content.decode()
    assert "Mark as sent" not in page
    response = marketer.post(f"/mail/sends/{uncertain_send.pk}/recipients/{row.pk}/sent/")
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.state == "uncertain"


def test_only_an_uncertain_row_can_be_settled(cast, uncertain_send, smtp_inbox):
    row = EmailRecipient.objects.get(send=uncertain_send, email="person1@acme.test")

    with pytest.raises(services.InvalidInput) as refused:
        services.recipient_settle(actor=cast.marketing_manager, recipient=row, outcome="again")

    assert refused.value.errors == {"state": "this recipient is sent, not uncertain"}
    assert sum(1 for m in smtp_inbox.messages if m["To"] == "person1@acme.test") == 1
