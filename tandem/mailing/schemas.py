"""Inputs of the email pages, one definition each.

The send page does not read the API's ``EmailSendIn``: the page picks a template, topic and
campaign from lists (an id it may not see is no choice, and the service says "choose a
template"), refuses no segment with "choose at least one segment to send to", and leaves the
rate and batch size to the service's check; the API refuses a bad body field by field. No class
docstrings: pydantic would publish them as descriptions if the API ever takes one of these.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

from tandem.core.typed_input import VERBATIM, TextAsSent


class SendForm(BaseModel):
    name: str = ""
    template: str = ""
    topic: str = ""
    campaign: str = ""
    from_email: str = ""
    rate_per_second: str = ""
    batch_size: str = ""
    segments: list[str] = []
    exclusions: list[str] = []


class SettleForm(TextAsSent):
    duplicate_accepted: str = ""


class TemplateForm(TextAsSent):
    name: str = ""
    subject: str = ""
    html_body: str = ""
    text_body: str = ""
    topic: str = ""


class PreviewForm(TemplateForm):
    sample: str = ""


class SuppressionForm(BaseModel):
    remove: Annotated[str, VERBATIM] = ""
    email: str = ""
    detail: str = ""


class TopicForm(BaseModel):
    action: Annotated[str, VERBATIM] = "create"
    topic: Annotated[str, VERBATIM] = ""
    name: str = ""
    description: str = ""
