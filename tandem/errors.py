"""Errors that domain services raise for bad input; every door shows them the same way."""

from __future__ import annotations


class InvalidInput(Exception):
    """Input that breaks a rule. ``errors`` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))

    @classmethod
    def field(cls, name: str, message: str) -> InvalidInput:
        return cls({name: message})
