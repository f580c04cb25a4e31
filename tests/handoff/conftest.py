"""Fixtures of the hand-off tests."""

import pytest

from tandem.handoff import scoring


@pytest.fixture(autouse=True)
def fresh_scoring_settings():
    """Tests write scoring rows directly; never let one test's cached settings reach another."""
    scoring.profile_forget()
    yield
    scoring.profile_forget()
