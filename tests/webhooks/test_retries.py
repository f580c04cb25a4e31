"""Retries with exponential backoff over about a day (time pinned, no sleeping), the delivery
log, replay by hand, and the endpoint switched off with its owner told after a day of
failures."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tandem.collaboration.models import Notification
from tandem.people import services as people
from tandem.webhooks import sender, services
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus

T0 = dt.datetime(2026, 6, 17, 10, 0, tzinfo=dt.UTC)


def _send_at(moment: dt.datetime) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return sender.deliveries_send_due(now=moment)


@pytest.mark.django_db(transaction=True)
def test_a_failing_endpoint_is_retried_with_backoff_then_disabled_and_its_owner_told(
    cast, receiver, endpoint_for
):
    # given an endpoint that answers 500, and a contact created at T0
    receiver.status = 500
    endpoint = endpoint_for(receiver.url, ["contact.created"])
    with time_machine.travel(T0, tick=False):
        people.contact_create(actor=cast.marketer, email="ann@acme.test")
    delivery = Delivery.objects.get()
    # then the first attempt (after commit) failed and the next is due 5 seconds later
    assert delivery.attempts == 1
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=5)
    # when the clock runs the sender as each retry falls due
    moment = T0
    expected_waits = [
        dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
        dt.timedelta(hours=5), dt.timedelta(hours=10), dt.timedelta(hours=10),
    ]  # fmt: skip
    moment = delivery.next_attempt_at
    for wait in expected_waits:
        assert _send_at(moment - dt.timedelta(seconds=1)) == {
            "delivered": 0,
            "failed": 0,
            "put_off": 0,
        }  # not due a second early
        assert _send_at(moment) == {"delivered": 0, "failed": 1, "put_off": 0}
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == moment + wait
        moment = delivery.next_attempt_at
    # the eighth and last attempt, about 27 hours after the first
    assert moment - T0 == dt.timedelta(hours=27, minutes=35, seconds=5)
    _send_at(moment)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED, 8, None,
    )  # fmt: skip
    # then every attempt is in the log, numbered, each with the answer's code
    log = list(Attempt.objects.filter(delivery=delivery).values_list("number", "status_code"))
    assert log == [(n, 500) for n in range(1, 9)]
    assert len(receiver.received) == 8
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    # and the endpoint is off, its owner (the admin who set it up) told in their inbox
    endpoint.refresh_from_db()
    assert endpoint.is_enabled is False
    assert endpoint.disabled_reason == "every attempt failed for about a day"
    note = Notification.objects.get(recipient=cast.admin)
    assert note.kind == "webhook_disabled"
    assert note.text == (
        f"Webhook to {receiver.url} was disabled: every attempt failed for about a day"
    )
    assert note.url == f"/settings/webhooks/{endpoint.pk}/"


@pytest.mark.django_db(transaction=True)
def test_a_delivery_replayed_by_hand_goes_again_with_the_same_id(cast, receiver, endpoint_for):
    # given a delivery that failed once
    receiver.status = 503
    endpoint_for(receiver.url, ["contact.created"])
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    delivery = Delivery.objects.get()
    assert delivery.last_status_code == 503
    # when the receiver is fixed and the admin replays it
    receiver.status = 204
    services.delivery_replay(actor=cast.admin, delivery=delivery)
    # then it went at once, with the same webhook-id, and the log has both attempts
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.message_id] * 2
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 503), (2, 204)]


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_that_delivered_since_is_not_switched_off(cast, receiver, endpoint_for):
    # given a delivery that exhausted its retries, but the endpoint answered another since
    endpoint = endpoint_for(receiver.url, ["contact.created"])
    receiver.status = 500
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    failing = Delivery.objects.get()
    receiver.status = 200
    people.contact_create(actor=cast.marketer, email="bob@acme.test")
    receiver.status = 500
    Delivery.objects.filter(pk=failing.pk).update(attempts=7, next_attempt_at=timezone.now())
    # when the last attempt fails
    sender.deliveries_send_due()
    # then that delivery failed, the endpoint stays on and nobody is told
    failing.refresh_from_db()
    endpoint.refresh_from_db()
    assert failing.status == DeliveryStatus.FAILED
    assert endpoint.is_enabled is True
    assert Notification.objects.count() == 0
