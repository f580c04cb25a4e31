"""Request and response shapes of the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

CUSTOM_IN = (
    "The company's custom field values by key (see /custom-fields); a blank clears one. "
    'A refused value answers 422 naming it: {"field": "custom.plants", …}.'
)
CUSTOM_OUT = "The company's custom field values by key (see /custom-fields)."


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


# The errors every operation may answer with (a module adds its own, such as 429).
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AccountIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    domain: str = Field("", max_length=200)
    industry: str = Field("", max_length=100)
    size_band: str = Field("", max_length=10)
    region: str = Field("", max_length=100)
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_IN)


class AccountPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    size_band: str | None = Field(None, max_length=10)
    region: str | None = Field(None, max_length=100)
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN)


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    size_band: str
    region: str
    owner_id: int | None
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)
    created_at: dt.datetime


class ContactIn(Schema):
    email: str = Field(max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    title: str = Field("", max_length=150)
    account_id: int | None = None
    audience_types: list[str] = Field(default_factory=lambda: ["prospect"])
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_IN)


class ContactPatch(Schema):
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    title: str | None = Field(None, max_length=150)
    account_id: int | None = None
    audience_types: list[str] | None = None
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_IN)


class ContactOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    title: str
    account_id: int | None
    audience_types: list[str]
    owner_id: int | None
    lifecycle_stage: str
    score: int
    first_touch_at: dt.datetime | None
    first_touch_source: str
    first_touch_medium: str
    first_touch_campaign_id: int | None
    last_touch_at: dt.datetime | None
    last_touch_source: str
    last_touch_medium: str
    last_touch_campaign_id: int | None
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)
    created_at: dt.datetime


class TouchIn(Schema):
    contact_id: int
    kind: str
    channel: str = "other"
    occurred_at: dt.datetime | None = None
    summary: str = Field("", max_length=2000)
    sentiment: str = ""
    campaign_id: int | None = None


class TouchOut(Schema):
    id: int
    contact_id: int
    account_id: int | None
    kind: str
    channel: str
    occurred_at: dt.datetime
    recorded_by_id: int | None
    campaign_id: int | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    summary: str
    sentiment: str


class FormSubmissionIn(Schema):
    email: str = Field(max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    company: str = Field("", max_length=200)
    title: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)
    consent: bool = False
    utm_source: str = Field("", max_length=100)
    utm_medium: str = Field("", max_length=100)
    utm_campaign: str = Field("", max_length=100)
    utm_content: str = Field("", max_length=100)
    utm_term: str = Field("", max_length=100)


class FormSubmissionOut(Schema):
    id: int
    form_id: int
    contact_id: int
    touch_id: int
    is_new_contact: bool
    consent_given: bool
    lifecycle_stage: str
    submitted_at: dt.datetime


class LifecycleMoveOut(Schema):
    id: int
    contact_id: int
    from_stage: str
    to_stage: str
    moved_at: dt.datetime
    moved_by_id: int | None
    reason: str
    campaign_id: int | None


class LeadOut(Schema):
    id: int
    contact_id: int
    campaign_id: int | None
    score_at_handoff: int
    assigned_to_id: int | None
    handed_off_at: dt.datetime
    status: str
    decided_at: dt.datetime | None
    rejection_reason: str
    rejection_note: str


class LeadRejectIn(Schema):
    reason: str
    note: str = Field("", max_length=500)
    nurture_until: dt.date | None = Field(
        None,
        description="For a reason that recycles: nurtured by marketing until then "
        "(90 days if not given).",
    )


class DealOut(Schema):
    id: int
    name: str
    account_id: int | None
    contact_id: int | None
    owner_id: int
    pipeline_id: int
    stage_id: int
    stage_name: str
    outcome: str
    amount: Decimal
    expected_close_on: dt.date | None
    source_campaign_id: int | None
    lead_id: int | None
    is_repeat_purchase: bool
    lost_reason: str
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)
    created_at: dt.datetime
    closed_at: dt.datetime | None
    private_notes: str | None = Field(
        None, description="Only for the owner, their manager, leadership and admins."
    )
