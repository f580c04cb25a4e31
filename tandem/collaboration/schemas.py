"""Inputs of working together, one definition each for the page and the API.

No class docstrings: pydantic would publish them as descriptions in the OpenAPI schema.
"""

from __future__ import annotations

from pydantic import BaseModel


# A comment on a record; ``@name`` mentions notify.
class CommentIn(BaseModel):
    body: str


# How notifications reach someone by email: immediate, digest or off.
class PreferenceIO(BaseModel):
    email_mode: str
