"""Signatures checked by an independent implementation of the Standard Webhooks spec,
through a secret rotation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tandem.people import services as people
from tandem.webhooks import services
from tests.webhooks.verify import signature_valid


@pytest.mark.django_db(transaction=True)
def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new(
    cast, receiver, endpoint_for
):
    # given an endpoint whose secret the admin rotated
    endpoint = endpoint_for(receiver.url, ["contact.created"])
    old = endpoint.secret
    services.endpoint_secret_rotate(actor=cast.admin, endpoint=endpoint)
    new = endpoint.secret
    assert new != old and new.startswith("whsec_")
    # when an event goes out during the grace period
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    during = receiver.received[-1]
    # then it carries two signatures, one per secret, each valid
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert signature_valid(old, during.headers, during.body)
    assert signature_valid(new, during.headers, during.body)
    # when one goes out after the 24 hours of grace
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, seconds=1), tick=False):
        people.contact_create(actor=cast.marketer, email="bob@acme.test")
    after = receiver.received[-1]
    # then only the new secret signs it
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert signature_valid(new, after.headers, after.body)
    assert not signature_valid(old, after.headers, after.body)


@pytest.mark.django_db(transaction=True)
def test_the_timestamp_is_the_attempts_and_the_body_is_signed_as_sent(cast, receiver, endpoint_for):
    endpoint = endpoint_for(receiver.url, ["contact.created"])
    moment = dt.datetime(2026, 6, 17, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        people.contact_create(actor=cast.marketer, email="ann@acme.test")
    got = receiver.received[0]
    assert got.headers["webhook-timestamp"] == str(int(moment.timestamp()))
    assert signature_valid(endpoint.secret, got.headers, got.body)
    assert not signature_valid(endpoint.secret, got.headers, got.body + b" ")
