"""Inputs of the marketing pages, one definition each (the API reads campaigns only).

The services check the values themselves (a budget's text, a date), so each field is the text
the form sends; the schema says which fields a form has. No class docstrings: pydantic would
publish them as descriptions if the API ever takes one of these.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

from tandem.core.typed_input import VERBATIM, TextAsSent


class CampaignIn(BaseModel):
    name: str = ""
    objective: str = ""
    channel: str = ""
    utm_campaign: str = ""
    budget: str = ""
    starts_on: str = ""
    ends_on: str = ""
    message: str = ""
    offer: str = ""
    vertical: str = ""
    segment_ids: list[str] = []


class SpendIn(BaseModel):
    spent_on: str = ""
    amount: str = ""
    note: Annotated[str, VERBATIM] = ""


class LinkIn(TextAsSent):
    destination: str = ""
    source: str = ""
    medium: str = ""
    content: str = ""
    term: str = ""


class LeadFormIn(TextAsSent):
    name: str = ""
    headline: str = ""
    consent_wording: str = ""
    thank_you: str = ""
    slug: str = ""
    campaign: str = ""
    is_double_opt_in: bool = False


class AssetIn(TextAsSent):
    title: str = ""
    kind: str = ""
    description: str = ""
    link: str = ""
    stages: str = ""
    personas: str = ""
    verticals: str = ""
    products: str = ""


class AssetShareIn(TextAsSent):
    target: str = ""
    deal: str = ""
    contact: str = ""
    next: str = ""
