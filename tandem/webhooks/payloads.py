"""The documented shape of every webhook message, version 1: what the OpenAPI ``webhooks``
section publishes (``api.webhooks_schema``) and what the announcing apps' payload builders
(``people.business_events.contact_data`` …) must produce — a test holds them together.

A message is ``{"type", "version", "timestamp", "data"}``; ``data`` is the event's model
below. Ids are integers, times ISO 8601 text, money decimal text. Fields are only ever added
within a version; a removal or change of meaning is a new version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model


class _Told(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactData(_Told):
    """A contact."""

    id: int
    email: str
    first_name: str
    last_name: str
    title: str
    phone: str
    account_id: int | None
    owner_id: int | None
    lifecycle_stage: str
    score: int
    external_id: str
    custom: dict[str, Any]
    created_at: str | None


class DealData(_Told):
    """A deal; ``amount`` is decimal text; ``stage`` and ``outcome`` name its stage."""

    id: int
    name: str
    amount: str
    pipeline_id: int
    stage_id: int
    stage: str | None
    outcome: str | None
    owner_id: int | None
    contact_id: int | None
    account_id: int | None
    lead_id: int | None
    expected_close_on: str | None
    closed_at: str | None
    lost_reason: str | None
    external_id: str
    created_at: str | None


class LeadData(_Told):
    """A lead: an MQL handed to a rep (``assigned_to_id``) and sales' answer."""

    id: int
    contact_id: int
    campaign_id: int | None
    assigned_to_id: int | None
    status: str
    score_at_handoff: int
    grade_at_handoff: str
    handed_off_at: str
    decided_at: str | None
    rejection_reason: str | None


class OrderLineData(_Told):
    product_id: int
    quantity: int
    net_price: str
    amount: str
    reserved: int
    backordered: int


class OrderData(_Told):
    """An order; money is decimal text in ``currency``."""

    id: int
    number: str
    deal_id: int
    account_id: int | None
    status: str
    currency: str
    amount: str
    is_repeat: bool
    confirmed_at: str
    lines: list[OrderLineData]


class SubmissionData(_Told):
    """A form submission: the answers as checked, and whether it made a new contact."""

    id: int
    form_id: int
    form_slug: str
    contact_id: int
    is_new_contact: bool
    data: dict[str, Any]
    consent_given: bool
    submitted_at: str


def _data(name: str, **fields: Any) -> type[BaseModel]:
    definitions: dict[str, Any] = {k: (v, ...) for k, v in fields.items()}
    return create_model(name, __base__=_Told, **definitions)


# Event type -> the model of its ``data`` (version 1).
PAYLOADS: dict[str, type[BaseModel]] = {
    "contact.created": _data("ContactCreated", contact=ContactData),
    "contact.updated": _data("ContactUpdated", contact=ContactData, changed=list[str]),
    "contact.merged": _data("ContactMerged", contact=ContactData, merged_id=int),
    "contact.lifecycle_changed": _data(
        "ContactLifecycleChanged",
        contact=ContactData,
        from_stage=str,
        to_stage=str,
        reason=str,
        moved_at=str,
    ),  # fmt: skip
    "contact.became_mql": _data("ContactBecameMql", contact=ContactData, moved_at=str),
    "contact.unsubscribed": _data(
        "ContactUnsubscribed", contact=ContactData, channel=str, source=str
    ),
    "lead.handed_off": _data("LeadHandedOff", lead=LeadData),
    "lead.accepted": _data("LeadAccepted", lead=LeadData, deal_id=int),
    "lead.rejected": _data("LeadRejected", lead=LeadData, reason=str, note=str),
    "deal.created": _data("DealCreated", deal=DealData),
    "deal.stage_changed": _data(
        "DealStageChanged", deal=DealData, from_stage_id=int, from_stage=str
    ),
    "deal.won": _data("DealWon", deal=DealData),
    "deal.lost": _data("DealLost", deal=DealData, reason=str),
    "order.placed": _data("OrderPlaced", order=OrderData),
    "form.submitted": _data("FormSubmitted", submission=SubmissionData),
}


class Message(BaseModel):
    """The body of every webhook request."""

    type: str
    version: int
    timestamp: dt.datetime
    data: dict[str, Any]
