"""Use cases of outbound webhooks: endpoints set up by administrators, tests and replays.

Every write checks the ``webhook`` permission and is audited; secrets never reach the audit
trail (a fingerprint does, so a rotation shows). A secret is shown once, when it is made.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.core.business_events import EVENT_TYPES
from tandem.errors import InvalidInput
from tandem.webhooks import outbox, signing
from tandem.webhooks.addresses import AddressRefused, addresses_check, url_check
from tandem.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tandem.webhooks.schemas import EndpointIn

# How long a rotated-out secret still signs, so receivers can switch without a gap.
ROTATION_GRACE = dt.timedelta(hours=24)
TEST_EVENT = "webhook.test"


def _masked(endpoint: Endpoint) -> Endpoint:
    """A copy for the audit trail: each secret replaced by a short fingerprint."""
    shown = copy.copy(endpoint)
    for name in ("secret", "previous_secret"):
        value = getattr(endpoint, name)
        digest = hashlib.sha256(value.encode()).hexdigest()[:12] if value else ""
        setattr(shown, name, f"sha256:{digest}" if value else "")
    return shown


def _checked(data: EndpointIn) -> dict[str, Any]:
    try:
        scheme, host, port, _ = url_check(data.url)
        addresses_check(host, port)
    except AddressRefused as refused:
        raise InvalidInput.field("url", str(refused)) from None
    unknown = [e for e in data.events if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput.field("events", f"unknown event types: {', '.join(unknown)}")
    if not data.events:
        raise InvalidInput.field("events", "choose at least one event")
    return {
        "url": data.url.strip(),
        "description": data.description.strip(),
        "events": sorted(set(data.events)),
        "is_enabled": data.is_enabled,
    }


def endpoint_create(*, actor: Any, data: EndpointIn, via: str = "ui") -> Endpoint:
    """A new endpoint with a new secret (``endpoint.secret``: show it to the actor once)."""
    policies.require(actor, "create", "webhook")
    values = _checked(data)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            **values, secret=signing.secret_generate(), owner=actor if actor.pk else None
        )
        audit.record_created(actor=actor, obj=_masked(endpoint), via=via)
    return endpoint


def endpoint_update(
    *, actor: Any, endpoint: Endpoint, data: EndpointIn, via: str = "ui"
) -> Endpoint:
    """Change where it points, what it hears, or switch it on or off (on again clears why it
    was switched off, and its waiting deliveries go out)."""
    policies.require(actor, "change", "webhook", endpoint)
    values = _checked(data)
    with transaction.atomic():
        before = audit.snapshot(_masked(endpoint))
        for key, value in values.items():
            setattr(endpoint, key, value)
        if endpoint.is_enabled:
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.save()
        audit.record_updated(actor=actor, obj=_masked(endpoint), before=before, via=via)
        if endpoint.is_enabled:
            transaction.on_commit(outbox.sender_start)
    return endpoint


def endpoint_delete(*, actor: Any, endpoint: Endpoint, via: str = "ui") -> None:
    """Remove the endpoint with its delivery log."""
    policies.require(actor, "delete", "webhook", endpoint)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=_masked(endpoint), via=via)
        endpoint.delete()


def endpoint_secret_rotate(*, actor: Any, endpoint: Endpoint, via: str = "ui") -> Endpoint:
    """A new secret signs from now on; the old one signs too for ``ROTATION_GRACE``."""
    policies.require(actor, "change", "webhook", endpoint)
    with transaction.atomic():
        before = audit.snapshot(_masked(endpoint))
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + ROTATION_GRACE
        endpoint.secret = signing.secret_generate()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        audit.record_updated(actor=actor, obj=_masked(endpoint), before=before, via=via)
    return endpoint


def endpoint_test_send(*, actor: Any, endpoint: Endpoint, via: str = "ui") -> Delivery:
    """Send a ``webhook.test`` message to the endpoint now (an endpoint switched off gets it
    when it is switched on again)."""
    policies.require(actor, "change", "webhook", endpoint)
    now = timezone.now()
    body = outbox.message_body(TEST_EVENT, 1, now, {"endpoint_id": endpoint.pk})
    with transaction.atomic():
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            message_id="msg_" + uuid.uuid4().hex,
            event_type=TEST_EVENT,
            body=body,
            created_at=now,
            next_attempt_at=now,
        )
        audit.record_created(actor=actor, obj=delivery, via=via)
        transaction.on_commit(outbox.sender_start)
    return delivery


def delivery_replay(*, actor: Any, delivery: Delivery, via: str = "ui") -> Delivery:
    """Send a delivery again by hand, with the same ``webhook-id``: it is due at once, its
    attempts numbered on from the earlier ones (which stay in the log); a delivery past its
    last retry is tried this once."""
    policies.require(actor, "change", "webhook", delivery.endpoint)
    if not delivery.endpoint.is_enabled:
        raise InvalidInput.field("endpoint", "switch the endpoint on before replaying")
    with transaction.atomic():
        before = audit.snapshot(delivery)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=timezone.now(),
            claimed_until=None,
            claimed_by="",
        )
        delivery.refresh_from_db()
        audit.record_updated(actor=actor, obj=delivery, before=before, via=via)
        transaction.on_commit(outbox.sender_start)
    return delivery
