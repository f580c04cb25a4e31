"""Reads of outbound webhooks: endpoints and their delivery log, for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet

from tandem.access import policies
from tandem.webhooks.models import Attempt, Delivery, Endpoint


def endpoints_for_user(user: Any) -> QuerySet[Endpoint]:
    """The endpoints ``user`` may see (all, for an administrator; none otherwise)."""
    return policies.visible(user, "webhook", Endpoint.objects.select_related("owner"))


def endpoint_get_for_user(user: Any, pk: Any) -> Endpoint:
    """One endpoint ``user`` may see; 404 or 403 otherwise."""
    return policies.get_visible(user, "webhook", Endpoint.objects.all(), pk)


def deliveries_for_user(
    user: Any,
    *,
    endpoint: Endpoint | None = None,
    status: str = "",
    event_type: str = "",
    since: dt.datetime | None = None,
) -> QuerySet[Delivery]:
    """The delivery log, newest first, narrowed by endpoint, status, event type and time;
    each delivery's attempts come along (one more query)."""
    endpoints = endpoints_for_user(user).values("pk")
    deliveries = Delivery.objects.filter(endpoint__in=endpoints).select_related("endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    if status:
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event_type=event_type)
    if since is not None:
        deliveries = deliveries.filter(created_at__gte=since)
    return deliveries.order_by("-created_at", "-id").prefetch_related(
        Prefetch("attempt_log", queryset=Attempt.objects.order_by("number"))
    )


def delivery_get_for_user(user: Any, pk: Any) -> Delivery:
    """One delivery of an endpoint ``user`` may see; 404 or 403 otherwise."""
    return policies.get_visible(user, "webhook", Delivery.objects.select_related("endpoint"), pk)
