"""Business events reach a real HTTP server on loopback after commit, signed as the Standard
Webhooks specification says."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from tandem.people import services as people
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus
from tests.webhooks.verify import signature_valid


@pytest.mark.django_db(transaction=True)
def test_a_contact_created_reaches_the_endpoint_signed_after_commit(cast, receiver, endpoint_for):
    # given an endpoint hearing contact.created
    endpoint = endpoint_for(receiver.url, ["contact.created"])
    # when a contact is created through the real service, and its transaction commits
    with transaction.atomic():
        contact = people.contact_create(
            actor=cast.marketer, email="Ann@Acme.test", first_name="Ann"
        )
        assert receiver.received == []  # nothing leaves before the commit
    # then the receiver got one signed message with the contact
    assert len(receiver.received) == 1
    got = receiver.received[0]
    body = json.loads(got.body)
    assert body["type"] == "contact.created"
    assert body["version"] == 1
    assert body["data"]["contact"]["id"] == contact.pk
    assert body["data"]["contact"]["email"] == "ann@acme.test"
    assert body["data"]["contact"]["first_name"] == "Ann"
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["content-type"] == "application/json"
    assert signature_valid(endpoint.secret, got.headers, got.body)
    assert not signature_valid("whsec_" + "A" * 32, got.headers, got.body)
    # and the delivery log says so
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.last_status_code == 200
    assert delivery.message_id == got.headers["webhook-id"]
    attempt = Attempt.objects.get()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    assert attempt.duration_ms >= 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(cast, receiver, endpoint_for):
    endpoint_for(receiver.url, ["contact.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        people.contact_create(actor=cast.marketer, email="ann@acme.test")
        raise RuntimeError("changed my mind")
    assert receiver.received == []
    assert Delivery.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_event_in_a_rolled_back_savepoint_is_dropped_and_the_rest_sent(
    cast, receiver, endpoint_for
):
    endpoint_for(receiver.url, ["contact.created"])
    with transaction.atomic():
        people.contact_create(actor=cast.marketer, email="kept@acme.test")
        with pytest.raises(RuntimeError), transaction.atomic():
            people.contact_create(actor=cast.marketer, email="dropped@acme.test")
            raise RuntimeError("this one goes")
        people.contact_create(actor=cast.marketer, email="also-kept@acme.test")
    emails = [json.loads(r.body)["data"]["contact"]["email"] for r in receiver.received]
    assert sorted(emails) == ["also-kept@acme.test", "kept@acme.test"]


@pytest.mark.django_db(transaction=True)
def test_events_nobody_subscribed_to_write_nothing(cast, receiver, endpoint_for):
    endpoint_for(receiver.url, ["deal.won"])
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    assert Delivery.objects.count() == 0
    assert receiver.received == []
