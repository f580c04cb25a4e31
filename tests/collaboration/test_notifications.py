"""Notifications reach people in the inbox and by email over SMTP, right away or in a digest."""

from __future__ import annotations

import io

from django.core.management import call_command

from tandem.collaboration import selectors, services
from tandem.collaboration.models import Notification


def test_a_mention_is_emailed_right_away_over_smtp(
    cast, deal, smtp_inbox, django_capture_on_commit_callbacks
):
    # given the marketer keeps the default: email right away
    # when the deal's owner mentions her
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(
            actor=cast.sales_rep, target=deal, body="@mia did they open the guide?"
        )

    # then one email arrives at her address, linking to the deal
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == "mia@tandem.test"
    assert message["Subject"] == f"Tandem: {cast.sales_rep} mentioned you on deal Acme rollout"
    assert f"/sales/deals/{deal.pk}/" in message.get_payload()
    assert Notification.objects.get().emailed_at is not None


def test_digest_readers_get_one_email_from_the_send_digests_command(
    cast, deal, ann, smtp_inbox, django_capture_on_commit_callbacks
):
    # given the marketer chose the daily digest and was mentioned twice
    services.preference_set(actor=cast.marketer, email_mode="digest")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=cast.sales_rep, target=deal, body="@mia first")
        services.comment_add(actor=cast.sales_manager, target=ann, body="@mia second")
    assert smtp_inbox.messages == []

    # when the daily command runs
    call_command("send_digests", stdout=io.StringIO())

    # then one digest lists both, and a second run sends nothing more
    assert [m["To"] for m in smtp_inbox.messages] == ["mia@tandem.test"]
    message = smtp_inbox.messages[0]
    assert message["Subject"] == "Tandem: 2 new notifications"
    body = message.get_payload()
    assert f"{cast.sales_rep} mentioned you on deal Acme rollout" in body
    assert f"{cast.sales_manager} mentioned you on contact Ann Archer" in body
    call_command("send_digests", stdout=io.StringIO())
    assert len(smtp_inbox.messages) == 1


def test_people_who_turned_email_off_get_only_the_inbox(
    cast, deal, mailoutbox, django_capture_on_commit_callbacks
):
    services.preference_set(actor=cast.marketer, email_mode="off")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=cast.sales_rep, target=deal, body="@mia hi")
    call_command("send_digests", stdout=io.StringIO())

    assert mailoutbox == []
    assert Notification.objects.filter(recipient=cast.marketer).count() == 1


def test_the_inbox_lists_unread_first_and_marks_read_through_htmx(cast, deal, ann, login):
    # given three mentions of the marketer, the oldest of which she has read
    first = services.comment_add(actor=cast.sales_rep, target=deal, body="@mia one")
    services.comment_add(actor=cast.sales_rep, target=ann, body="@mia two")
    services.comment_add(actor=cast.sales_manager, target=ann, body="@mia three")
    oldest = Notification.objects.get(comment=first)
    services.notification_mark_read(actor=cast.marketer, notification=oldest)

    # then her inbox shows the unread ones newest first, then the read one
    assert [n.comment.body for n in selectors.notifications_for(user=cast.marketer)] == [
        "@mia three",
        "@mia two",
        "@mia one",
    ]
    client = login(cast.marketer)
    page = client.get("/inbox/").content.decode()
    assert "2 unread" in page and "Inbox (2)" in page

    # when she marks the newest read through htmx
    newest = Notification.objects.get(comment__body="@mia three")
    response = client.post(f"/inbox/notifications/{newest.pk}/read/", HTTP_HX_REQUEST="true")

    # then the row comes back read and one is left unread
    assert response.status_code == 200
    assert "Mark read" not in response.content.decode()
    assert selectors.unread_count(user=cast.marketer) == 1


def test_someone_elses_notification_cannot_be_marked_read(cast, deal, login):
    services.comment_add(actor=cast.sales_rep, target=deal, body="@mia one")
    notification = Notification.objects.get()

    response = login(cast.marketing_manager).post(f"/inbox/notifications/{notification.pk}/read/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_inbox_needs_a_login(client):
    assert client.get("/inbox/").status_code == 302
