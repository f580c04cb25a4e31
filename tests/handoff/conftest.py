"""The API client fixture of tests/api, for the hand-off's own API tests."""

from tests.api.conftest import api  # noqa: F401  (a fixture, found by pytest by name)
