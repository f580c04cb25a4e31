"""An endpoint that keeps failing is switched off, and the person who owns it is told."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tandem.access.roles import Role
from tandem.audit import events as audit
from tandem.collaboration.models import NotificationKind
from tandem.collaboration.services import notification_send
from tandem.webhooks.models import Delivery, DeliveryStatus, Endpoint


def endpoint_failed(*, endpoint_id: int, since: dt.datetime, now: dt.datetime) -> bool:
    """A delivery made at ``since`` to the endpoint failed for the last time: disable the
    endpoint unless it delivered something since then (it is alive; only that message
    failed). Whether it was disabled."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id, is_enabled=True).first()
    if endpoint is None:
        return False
    alive = Delivery.objects.filter(
        endpoint=endpoint, status=DeliveryStatus.DELIVERED, delivered_at__gte=since
    ).exists()
    if alive:
        return False
    endpoint_disable(endpoint=endpoint, reason="every attempt failed for about a day", now=now)
    return True


def endpoint_disable(*, endpoint: Endpoint, reason: str, now: dt.datetime | None = None) -> None:
    """Switch the endpoint off (its pending deliveries wait) and tell its owner, or every
    administrator when nobody owns it."""
    with transaction.atomic():
        before = audit.snapshot(endpoint)
        endpoint.is_enabled = False
        endpoint.disabled_at, endpoint.disabled_reason = now or timezone.now(), reason[:300]
        endpoint.save(update_fields=["is_enabled", "disabled_at", "disabled_reason"])
        audit.record_updated(actor=None, obj=endpoint, before=before, via="webhooks")
        owner = endpoint.owner
        recipients = (
            [owner]
            if owner is not None and owner.is_active
            else list(get_user_model().objects.filter(role=Role.ADMIN, is_active=True))
        )
        for person in recipients:
            notification_send(
                recipient=person,
                kind=NotificationKind.WEBHOOK_DISABLED,
                text=f"Webhook to {endpoint.url} was disabled: {reason}"[:300],
                url=f"/settings/webhooks/{endpoint.pk}/",
            )
