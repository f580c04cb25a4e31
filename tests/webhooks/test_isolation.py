"""A slow endpoint never delays another, and one that never answers is not waited on."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.people import services as people
from tandem.webhooks import sender
from tandem.webhooks.models import Attempt, Delivery
from tests.webhooks import receiver as receivers


@pytest.fixture
def slow():
    server = receivers.start(delay=2.0)
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_slow_endpoint_does_not_delay_another(cast, receiver, slow, endpoint_for):
    # given a slow endpoint (two seconds an answer) and a quick one hearing the same events
    endpoint_for(slow.url, ["contact.created"])
    quick = endpoint_for(receiver.url, ["contact.created"])
    # when five contacts are created in one transaction and the sender runs
    started = time.monotonic()
    with transaction.atomic():
        for n in range(5):
            people.contact_create(actor=cast.marketer, email=f"p{n}@acme.test")
    # then the quick endpoint had all five well before the slow one answered its first
    assert len(receiver.received) == 5
    assert max(r.at for r in receiver.received) - started < 1.5
    assert len(slow.received) >= 1
    quick_attempts = Attempt.objects.filter(delivery__endpoint=quick)
    assert [a.status_code for a in quick_attempts] == [200] * 5


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_that_never_answers_is_given_up_on_for_this_run(
    cast, receiver, endpoint_for, monkeypatch
):
    # given an endpoint that accepts connections and never answers (read timeout 1.5 s here:
    # short, yet long enough for the answering receiver on a busy two-core machine)
    monkeypatch.setattr(sender, "TIMEOUT", sender.urllib3.Timeout(connect=0.5, read=1.5))
    silent = receivers.start(delay=30)
    try:
        endpoint_for(silent.url, ["contact.created"])
        endpoint_for(receiver.url, ["contact.created"])
        started = time.monotonic()
        with transaction.atomic():
            for n in range(12):
                people.contact_create(actor=cast.marketer, email=f"p{n}@acme.test")
        took = time.monotonic() - started
    finally:
        silent.stop()
    # then the answering endpoint got all twelve; the silent one was waited on once per lane
    # at most, its other deliveries put off to its next retry without counting an attempt
    assert len(receiver.received) == 12
    assert took < 6
    unanswered = Attempt.objects.filter(status_code__isnull=True)
    assert 1 <= unanswered.count() <= sender.LANES_PER_ENDPOINT
    assert all("timed out" in a.error.lower() for a in unanswered)
    silent_deliveries = Delivery.objects.filter(endpoint__url=silent.url)
    assert silent_deliveries.filter(attempts=0).count() == 12 - unanswered.count()
    assert all(d.next_attempt_at > timezone.now() for d in silent_deliveries)
