"""The deliveries are written in the same transaction as the change that owes them; only the
sending waits for the commit. An event nobody hears costs no query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from tandem.core.business_events import business_event_announce
from tandem.people import services as people
from tandem.webhooks import outbox
from tandem.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tandem.webhooks.sender import deliveries_send_due

MOMENT = dt.datetime(2026, 6, 17, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def starts(monkeypatch):
    """The sender is never started after a commit (as if the process died just then); how
    many times it was asked to."""
    calls: list[int] = []
    monkeypatch.setattr(outbox, "sender_start", lambda: calls.append(1))
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_has_its_delivery_even_if_the_sender_never_runs(
    cast, receiver, endpoint_for, starts
):
    # given an endpoint hearing contact.created
    endpoint_for(receiver.url, ["contact.created"])
    # when three contacts are created in one transaction
    with transaction.atomic():
        for name in ("ann", "bob", "cy"):
            people.contact_create(actor=cast.marketer, email=f"{name}@acme.test")
        # then their deliveries are already written, inside the transaction
        assert Delivery.objects.count() == 3
        assert starts == []
    # and after the commit they are there, pending, the sender asked for once, nothing sent
    assert starts == [1]
    assert list(Delivery.objects.values_list("status", "attempts")) == [("pending", 0)] * 3
    assert receiver.received == []
    # and the clock's next run sends them
    assert deliveries_send_due()["delivered"] == 3
    assert len(receiver.received) == 3


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_delivery_and_starts_no_sender(
    cast, receiver, endpoint_for, starts
):
    endpoint_for(receiver.url, ["contact.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        people.contact_create(actor=cast.marketer, email="ann@acme.test")
        assert Delivery.objects.count() == 1
        raise RuntimeError("changed my mind")
    assert Delivery.objects.count() == 0
    assert starts == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_takes_its_deliveries_and_leaves_the_sender(
    cast, receiver, endpoint_for, starts
):
    endpoint_for(receiver.url, ["contact.created"])
    with transaction.atomic():
        # the first event of the transaction comes inside a savepoint that is rolled back
        with pytest.raises(RuntimeError), transaction.atomic():
            people.contact_create(actor=cast.marketer, email="dropped@acme.test")
            raise RuntimeError("this one goes")
        people.contact_create(actor=cast.marketer, email="kept@acme.test")
        with transaction.atomic():
            people.contact_create(actor=cast.marketer, email="also-kept@acme.test")
    emails = [
        b.split('"email":"')[1].split('"')[0]
        for b in Delivery.objects.values_list("body", flat=True)
    ]
    assert sorted(emails) == ["also-kept@acme.test", "kept@acme.test"]
    assert starts == [1]


def _announce(n: int = 1) -> None:
    for i in range(n):
        business_event_announce(
            "contact.created",
            {"contact": {"id": i, "email": f"p{i}@acme.test"}},
            occurred_at=MOMENT,
            subjects={"contact": i},
        )


@pytest.mark.django_db
def test_an_event_nobody_hears_costs_no_query(cast, endpoint_for, django_assert_num_queries):
    # given endpoints, none hearing contact.created
    endpoint_for("http://127.0.0.1:9/won", ["deal.won"])
    with transaction.atomic():
        _announce()  # the transaction reads the subscriptions once
        # when a hundred more are announced in it
        with django_assert_num_queries(0):
            _announce(100)
    assert Delivery.objects.count() == 0


@pytest.mark.django_db
def test_a_new_or_disabled_endpoint_is_heard_at_once(cast, endpoint_for, starts):
    with transaction.atomic():
        _announce()
        assert Delivery.objects.count() == 0
        # an endpoint made in this very transaction hears the next event
        endpoint = endpoint_for("http://127.0.0.1:9/hook", ["contact.created"])
        _announce()
        assert list(Delivery.objects.values_list("endpoint_id", "status")) == [
            (endpoint.pk, DeliveryStatus.PENDING)
        ]
        # switched off behind the cache's back (another process): nothing more is owed to it
        Endpoint.objects.filter(pk=endpoint.pk).update(is_enabled=False)
        _announce()
        assert Delivery.objects.count() == 1
