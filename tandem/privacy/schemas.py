"""People's rights' input, one schema for the contact page and the API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EraseIn(BaseModel):
    """The erase of a contact, confirmed by typing their email address."""

    confirm_email: str = Field(
        max_length=254, description="The contact's email address, typed to confirm the erase."
    )
