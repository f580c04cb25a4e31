"""The webhook settings pages, for administrators: endpoints, secrets shown once, a test
message, the delivery log with filters and a replay button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.business_events import EVENT_TYPES
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.webhooks import selectors, services
from tandem.webhooks.models import DeliveryStatus
from tandem.webhooks.schemas import DeliveryFilter, EndpointIn, EndpointPageAction


def _context(**more):
    return {"section": "webhooks", "event_types": list(EVENT_TYPES.values()), **more}


@login_required
def endpoints(request):
    """Every endpoint, and a form for a new one (its secret is shown once, on this page)."""
    policies.require(request.user, "view", "webhook")
    errors: dict[str, str] = {}
    values: dict = {"url": "", "description": "", "events": [], "is_enabled": True}
    created = None
    if request.method == "POST":
        try:
            data = typed_input(EndpointIn, request.POST)
            created = services.endpoint_create(actor=request.user, data=data)
        except InvalidInput as exc:
            errors = exc.errors
            values = {**values, **{k: request.POST.get(k, "") for k in ("url", "description")}}
            values["events"] = request.POST.getlist("events")
    return render(
        request,
        "webhooks/endpoints.html",
        _context(
            endpoints=selectors.endpoints_for_user(request.user),
            can_create=policies.can(request.user, "create", "webhook"),
            values=values,
            errors=errors,
            created=created,
        ),
    )


def _act(request, endpoint, action: str):
    """One button of the endpoint page; what to show next (a new secret, once)."""
    if action == "save":
        services.endpoint_update(
            actor=request.user, endpoint=endpoint, data=typed_input(EndpointIn, request.POST)
        )
        messages.success(request, "Endpoint saved.")
    elif action == "rotate":
        services.endpoint_secret_rotate(actor=request.user, endpoint=endpoint)
        return endpoint.secret
    elif action == "test":
        services.endpoint_test_send(actor=request.user, endpoint=endpoint)
        messages.success(request, "Test event queued: its result appears in the log below.")
    else:
        raise Http404("No such action")
    return None


@login_required
def endpoint_detail(request, endpoint_id: int):
    """One endpoint: edit it, rotate its secret, send a test event, read its delivery log."""
    endpoint = selectors.endpoint_get_for_user(request.user, endpoint_id)
    errors: dict[str, str] = {}
    new_secret = None
    if request.method == "POST":
        action = typed_input(EndpointPageAction, request.POST).action
        if action == "delete":
            services.endpoint_delete(actor=request.user, endpoint=endpoint)
            messages.success(request, f"Endpoint {endpoint.url} removed.")
            return redirect("webhooks:endpoints")
        try:
            new_secret = _act(request, endpoint, action)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            if new_secret is None:
                return redirect("webhooks:endpoint", endpoint_id=endpoint.pk)
    filters = typed_input(DeliveryFilter, request.GET)
    deliveries = selectors.deliveries_for_user(
        request.user, endpoint=endpoint, status=filters.status, event_type=filters.event_type
    )
    page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/endpoint.html",
        _context(
            endpoint=endpoint,
            errors=errors,
            new_secret=new_secret,
            can_change=policies.can(request.user, "change", "webhook", endpoint),
            page=page,
            filters=filters,
            statuses=DeliveryStatus.choices,
            event_type_names=[*EVENT_TYPES, services.TEST_EVENT],
        ),
    )


@login_required
@require_POST
def delivery_replay(request, delivery_id: int):
    """Send one delivery again now."""
    delivery = selectors.delivery_get_for_user(request.user, delivery_id)
    try:
        services.delivery_replay(actor=request.user, delivery=delivery)
        messages.success(request, f"Delivery {delivery.message_id} queued again.")
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
    return redirect("webhooks:endpoint", endpoint_id=delivery.endpoint_id)
