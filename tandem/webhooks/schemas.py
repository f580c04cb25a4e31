"""The webhook endpoint's input, one schema for the settings page, the API and the service."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EndpointIn(BaseModel):
    """An endpoint as an administrator sets it up: where, which events, whether it is on."""

    url: str = Field(max_length=500, description="https in production mode.")
    description: str = Field(default="", max_length=200)
    events: list[str] = Field(description="Business event types, e.g. `deal.won`.")
    is_enabled: bool = True


class EndpointPageAction(BaseModel):
    """What a button on an endpoint's page asks for."""

    action: str = ""


class DeliveryFilter(BaseModel):
    """The delivery log's filters: status (pending, delivered, failed) and event type."""

    status: str = ""
    event_type: str = ""
