"""The JSON API under /api/v1/: a door onto the same services and selectors as the UI."""

from tandem.api.app import api

__all__ = ["api"]
