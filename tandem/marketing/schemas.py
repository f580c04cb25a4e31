"""Inputs of the marketing pages, one definition each (the API reads campaigns only).

The services check the values themselves (a budget's text, a date), so each field is the text
the form sends; the schema says which fields a form has. No class docstrings: pydantic would
publish them as descriptions if the API ever takes one of these.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

from tandem.core.typed_input import VERBATIM


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


class LinkIn(BaseModel):
    destination: Annotated[str, VERBATIM] = ""
    source: Annotated[str, VERBATIM] = ""
    medium: Annotated[str, VERBATIM] = ""
    content: Annotated[str, VERBATIM] = ""
    term: Annotated[str, VERBATIM] = ""


class LeadFormIn(BaseModel):
    name: Annotated[str, VERBATIM] = ""
    headline: Annotated[str, VERBATIM] = ""
    consent_wording: Annotated[str, VERBATIM] = ""
    thank_you: Annotated[str, VERBATIM] = ""
    slug: Annotated[str, VERBATIM] = ""
    campaign: Annotated[str, VERBATIM] = ""
    is_double_opt_in: bool = False


class AssetIn(BaseModel):
    title: Annotated[str, VERBATIM] = ""
    kind: Annotated[str, VERBATIM] = ""
    description: Annotated[str, VERBATIM] = ""
    link: Annotated[str, VERBATIM] = ""
    stages: Annotated[str, VERBATIM] = ""
    personas: Annotated[str, VERBATIM] = ""
    verticals: Annotated[str, VERBATIM] = ""
    products: Annotated[str, VERBATIM] = ""


class AssetShareIn(BaseModel):
    target: Annotated[str, VERBATIM] = ""
    deal: Annotated[str, VERBATIM] = ""
    contact: Annotated[str, VERBATIM] = ""
    next: Annotated[str, VERBATIM] = ""
