"""Inputs of working together, one definition each for the page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

from tandem.core.typed_input import VERBATIM


# A comment on a record; ``@name`` mentions notify.
class CommentIn(BaseModel):
    body: str


# How notifications reach someone by email: immediate, digest or off.
class PreferenceIO(BaseModel):
    email_mode: str


# Whom a survey goes to: an audience type or a segment (the page and the API).
class SurveySendIn(BaseModel):
    audience_type: str = ""
    segment_id: int | None = None


# The page's new survey: its questions one a line ("kind: text | choice | …"); the API takes
# them as a list (``SurveyIn``).
class SurveyForm(BaseModel):
    title: str = ""
    intro: str = ""
    questions: str = ""
    allows_anonymous: str = ""


# One answer page's choice besides the answers (those are the survey's own, ``q<position>``).
class SurveyAnswerForm(BaseModel):
    anonymous: str = ""


# The page's invitation of someone onto a record (the record is the page's own address).
class AssignmentForm(BaseModel):
    person: str = ""
    goal: str = ""
    starts_on: str = ""
    ends_on: str = ""


# The inbox's buttons on an assignment: start, complete (with a debrief) or cancel.
class AssignmentActionForm(BaseModel):
    action: str = ""
    debrief: Annotated[str, VERBATIM] = ""
