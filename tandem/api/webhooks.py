"""API routes of outbound webhooks: endpoints (administrators only), their delivery log, a
test message and a replay. The messages themselves are described in the OpenAPI document's
``webhooks`` section (``api.webhooks_schema``)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.api.schemas import ErrorOut
from tandem.core.business_events import EVENT_TYPES
from tandem.webhooks import selectors, services
from tandem.webhooks.models import Delivery, Endpoint
from tandem.webhooks.schemas import EndpointIn

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class EventTypeOut(Schema):
    name: str
    version: int
    description: str


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    is_enabled: bool
    disabled_reason: str
    previous_secret_expires_at: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecretOut(EndpointOut):
    secret: str


class AttemptOut(Schema):
    number: int
    at: dt.datetime
    status_code: int | None
    duration_ms: int
    error: str


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    message_id: str
    event_type: str
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_duration_ms: int | None
    delivered_at: dt.datetime | None


class DeliveryDetailOut(DeliveryOut):
    body: str
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_attempt_log(obj: Delivery) -> list:
        return list(obj.attempt_log.all())


@router.get(
    "/webhooks/event-types", response={200: list[EventTypeOut], **ERRORS}, tags=["webhooks"]
)
def event_types_list(request):
    """The business events an endpoint may subscribe to, with their payload versions."""
    return list(EVENT_TYPES.values())


@router.get("/webhooks/endpoints", response={200: list[EndpointOut], **ERRORS}, tags=["webhooks"])
def endpoints_list(request):
    """Every endpoint (administrators only; others get an empty list)."""
    return list(selectors.endpoints_for_user(request.auth))


@router.post(
    "/webhooks/endpoints", response={201: EndpointWithSecretOut, **ERRORS}, tags=["webhooks"]
)
def endpoints_create(request, payload: EndpointIn):
    """Set up an endpoint. The answer carries its signing secret: the only time it is shown."""
    return Status(201, services.endpoint_create(actor=request.auth, data=payload, via="api"))


@router.get(
    "/webhooks/endpoints/{endpoint_id}", response={200: EndpointOut, **ERRORS}, tags=["webhooks"]
)
def endpoints_get(request, endpoint_id: int):
    return selectors.endpoint_get_for_user(request.auth, endpoint_id)


@router.put(
    "/webhooks/endpoints/{endpoint_id}", response={200: EndpointOut, **ERRORS}, tags=["webhooks"]
)
def endpoints_update(request, endpoint_id: int, payload: EndpointIn):
    """Change the URL, the events, or switch the endpoint on or off."""
    endpoint = selectors.endpoint_get_for_user(request.auth, endpoint_id)
    return services.endpoint_update(actor=request.auth, endpoint=endpoint, data=payload, via="api")


@router.delete(
    "/webhooks/endpoints/{endpoint_id}", response={204: None, **ERRORS}, tags=["webhooks"]
)
def endpoints_delete(request, endpoint_id: int):
    endpoint = selectors.endpoint_get_for_user(request.auth, endpoint_id)
    services.endpoint_delete(actor=request.auth, endpoint=endpoint, via="api")
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate-secret",
    response={200: EndpointWithSecretOut, **ERRORS},
    tags=["webhooks"],
)
def endpoints_rotate_secret(request, endpoint_id: int):
    """A new signing secret (shown this once); the old one keeps signing for 24 hours."""
    endpoint = selectors.endpoint_get_for_user(request.auth, endpoint_id)
    return services.endpoint_secret_rotate(actor=request.auth, endpoint=endpoint, via="api")


@router.post(
    "/webhooks/endpoints/{endpoint_id}/test",
    response={202: DeliveryOut, **ERRORS},
    tags=["webhooks"],
)
def endpoints_test(request, endpoint_id: int):
    """Send a ``webhook.test`` message now; its result appears in the delivery log."""
    endpoint = selectors.endpoint_get_for_user(request.auth, endpoint_id)
    return Status(
        202, services.endpoint_test_send(actor=request.auth, endpoint=endpoint, via="api")
    )


@router.get("/webhooks/deliveries", response=list[DeliveryOut], tags=["webhooks"])
@paginate(LimitOffsetPagination)
def deliveries_list(request, endpoint: int | None = None, status: str = "", event_type: str = ""):
    """The delivery log, newest first, by endpoint, status (pending, delivered, failed) and
    event type."""
    chosen: Endpoint | None = None
    if endpoint is not None:
        chosen = selectors.endpoint_get_for_user(request.auth, endpoint)
    return selectors.deliveries_for_user(
        request.auth, endpoint=chosen, status=status, event_type=event_type
    )


@router.get(
    "/webhooks/deliveries/{delivery_id}",
    response={200: DeliveryDetailOut, **ERRORS},
    tags=["webhooks"],
)
def deliveries_get(request, delivery_id: int):
    """One delivery with its body and every attempt (status code, time taken)."""
    return selectors.delivery_get_for_user(request.auth, delivery_id)


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    response={202: DeliveryOut, **ERRORS},
    tags=["webhooks"],
)
def deliveries_replay(request, delivery_id: int):
    """Send the delivery again now, with the same ``webhook-id``."""
    delivery = selectors.delivery_get_for_user(request.auth, delivery_id)
    return Status(202, services.delivery_replay(actor=request.auth, delivery=delivery, via="api"))
