"""The chunk a story is told for: its size, its clock, and the state every part of the story
shares."""

from __future__ import annotations

import datetime as dt
import random

from tandem.demo.naming import Namer
from tandem.demo.world import (
    AccountSim,
    ContactSim,
    World,
)

# Contacts per chunk: every chunk is written in its own transaction.
CHUNK_CONTACTS = 2_500


def chunk_sizes(total: int) -> list[int]:
    """How many contacts each chunk holds."""
    full, rest = divmod(total, CHUNK_CONTACTS)
    return [CHUNK_CONTACTS] * full + ([rest] if rest else [])


def day_of(ts: int) -> dt.date:
    """The UTC date of a simulation time (whole seconds since the epoch)."""
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date()


class StoryBase:
    """A chunk's shared state and the two things every story does: log a touch, move a stage.

    Deterministic by seed and chunk: every draw comes from the one stream ``self.rng``, so the
    stories must keep drawing in the same order.
    """

    def __init__(self, world: World, namer: Namer, number: int, size: int) -> None:
        self.world = world
        self.namer = namer
        self.number = number
        self.size = size
        self.rng = random.Random(f"tandem-demo:{world.seed}:{world.contacts}:chunk:{number}")
        self.accounts: list[AccountSim] = []
        self.contacts: list[ContactSim] = []
        self.reps = world.staff.reps

    def _touch(self, contact: ContactSim, item: tuple) -> list:
        at, kind, campaign, form, channel, source, medium, summary, by, sentiment = item
        touch = [
            at,
            kind,
            campaign,
            channel,
            source,
            medium,
            summary,
            by,
            sentiment,
            len(contact.touches),
        ]
        contact.touches.append(touch)
        if form is not None:
            consent = contact.has_email and at <= contact.email_until
            contact.forms.append((touch, form, consent))
        return touch

    def _move(
        self,
        contact: ContactSim,
        at: int,
        to: str,
        by: int | None,
        reason: str,
        campaign: int | None = None,
    ) -> None:
        contact.moves.append([at, contact.stage, to, by, reason, campaign, len(contact.moves)])
        contact.stage, contact.stage_at = to, at
