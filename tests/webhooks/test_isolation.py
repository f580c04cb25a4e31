"""An endpoint that hangs never delays another, and one that never answers is not waited on.

No clock is raced: the hanging endpoint holds every request it gets until the test lets it
go, and the other endpoint's deliveries must all arrive while it still holds them."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.people import services as people
from tandem.webhooks import outbox, sender
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus
from tests.webhooks import receiver as receivers


@pytest.fixture
def hanging():
    """A receiver that holds each request until ``hanging.hold`` is set."""
    server = receivers.start(hold=threading.Event())
    yield server
    server.stop()


@pytest.fixture
def by_hand(monkeypatch):
    """The sender runs when the test says, not after each commit."""
    monkeypatch.setattr(outbox, "sender_start", lambda: None)


def _contacts(cast, count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            people.contact_create(actor=cast.marketer, email=f"p{n}@acme.test")


@pytest.mark.django_db(transaction=True)
def test_a_hanging_endpoint_does_not_delay_another(cast, receiver, hanging, endpoint_for, by_hand):
    # given a hanging endpoint and an answering one, both hearing contact.created, and twelve
    # contacts created (more deliveries than the hanging endpoint has lanes)
    endpoint_for(hanging.url, ["contact.created"])
    answering = endpoint_for(receiver.url, ["contact.created"])
    _contacts(cast, 12)
    # when the sender runs
    outcome: list[dict[str, int]] = []
    run = threading.Thread(target=lambda: outcome.append(sender.deliveries_send_due()))
    run.start()
    try:
        # then the answering endpoint gets all twelve while the hanging one holds a request
        # in each of its lanes and the run waits on them
        assert receiver.wait_for(12)
        assert hanging.wait_for(sender.LANES_PER_ENDPOINT)
        assert not hanging.hold.is_set()
        assert run.is_alive()
        assert len(hanging.received) == sender.LANES_PER_ENDPOINT
    finally:
        hanging.hold.set()
        run.join()
    # and once it lets go, every delivery to both is recorded as delivered
    assert outcome == [{"delivered": 24, "failed": 0, "put_off": 0}]
    assert (
        list(
            Attempt.objects.filter(delivery__endpoint=answering).values_list(
                "status_code", flat=True
            )
        )
        == [200] * 12
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_that_never_answers_is_given_up_on_for_this_run(
    cast, receiver, hanging, endpoint_for, by_hand, monkeypatch
):
    # given an endpoint that takes requests and never answers (it holds them past the read
    # timeout), and an answering one
    monkeypatch.setattr(sender, "TIMEOUT", sender.Timeouts(connect=2.0, read=1.0))
    endpoint_for(hanging.url, ["contact.created"])
    endpoint_for(receiver.url, ["contact.created"])
    _contacts(cast, 12)
    # when the sender runs
    done = sender.deliveries_send_due()
    hanging.hold.set()
    # then the answering endpoint got all twelve; the silent one was waited on once per lane
    # at most, its other deliveries put off to its next retry without counting an attempt
    assert len(receiver.received) == 12
    unanswered = Attempt.objects.filter(status_code__isnull=True)
    assert 1 <= unanswered.count() <= sender.LANES_PER_ENDPOINT
    assert done == {
        "delivered": 12,
        "failed": unanswered.count(),
        "put_off": 12 - unanswered.count(),
    }
    assert all("timed out" in a.error.lower() for a in unanswered)
    silent_deliveries = Delivery.objects.filter(endpoint__url=hanging.url)
    assert silent_deliveries.filter(attempts=0).count() == 12 - unanswered.count()
    assert all(d.next_attempt_at > timezone.now() for d in silent_deliveries)
