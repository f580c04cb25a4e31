"""Everyone is a marketer: a negative touch on a customer with an open deal reaches its owner."""

from __future__ import annotations

from tandem.collaboration.models import Notification
from tandem.handoff import services as handoff
from tandem.sales import services as sales


def test_a_negative_touch_by_an_employee_notifies_the_deal_owner_in_app_and_by_email(
    cast, ann, deal, smtp_inbox, django_capture_on_commit_callbacks
):
    # when a support agent logs an unhappy call with Ann, who has an open deal of sam's
    with django_capture_on_commit_callbacks(execute=True):
        touch = handoff.touch_log(
            contact=ann,
            kind="call",
            actor=cast.employee,
            summary="Angry about the invoice",
            sentiment="negative",
        )

    # then sam is told in his inbox and by email
    notification = Notification.objects.get()
    assert notification.recipient == cast.sales_rep
    assert notification.kind == "negative_touch"
    assert notification.touch == touch
    assert notification.text == (
        f"{cast.employee} logged a negative call with Ann Archer (deal Acme rollout): "
        "Angry about the invoice"
    )
    assert [m["To"] for m in smtp_inbox.messages] == ["sam@tandem.test"]


def test_neutral_touches_and_closed_deals_notify_nobody(cast, ann, deal):
    handoff.touch_log(contact=ann, kind="call", actor=cast.employee, sentiment="neutral")
    sales.deal_close_lost(actor=cast.sales_rep, deal=deal, reason="price")
    handoff.touch_log(contact=ann, kind="call", actor=cast.employee, sentiment="negative")

    assert Notification.objects.count() == 0


def test_the_owner_is_not_told_about_their_own_negative_touch(cast, ann, deal):
    handoff.touch_log(contact=ann, kind="call", actor=cast.sales_rep, sentiment="negative")

    assert Notification.objects.count() == 0
