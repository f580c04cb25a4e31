"""What the demo's chunks share and what they produce, as plain Python objects.

``World`` is fixed before the first chunk: the staff, the campaigns with the days they run,
the lead forms and the pipeline stages, all by id. The ``*Sim`` classes are the records a
chunk's story produces; they become rows in ``tandem.demo.writer``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tandem.handoff import scoring
from tandem.people.lifecycle import Stage
from tandem.people.models import Channel

DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class CampaignInfo:
    """What the simulation needs to know about a campaign (already saved, so it has an id)."""

    id: int
    name: str
    channel: str
    objective: str
    utm_campaign: str
    start: int
    end: int
    key: int  # the day it happens: webinar, trade fair, send date
    weight: float
    utm_source: str
    utm_medium: str


@dataclass(frozen=True)
class FormInfo:
    id: int
    slug: str
    name: str
    consent_wording: str
    campaign: CampaignInfo | None  # credited when the visitor brings no campaign of their own


@dataclass(frozen=True)
class Staff:
    """The demo users by job, as ids."""

    reps_by_team: dict[str, tuple[int, ...]]
    manager_by_team: dict[str, int]
    team_of_rep: dict[int, str]
    marketers: tuple[int, ...]
    marketing_manager: int
    support: int
    field_engineer: int

    @property
    def reps(self) -> tuple[int, ...]:
        return tuple(r for reps in self.reps_by_team.values() for r in reps)


@dataclass(frozen=True)
class Stages:
    pipeline: int
    discovery: int
    proposal: int
    negotiation: int
    won: int
    lost: int


@dataclass
class World:
    """Everything every chunk reads: fixed before the first chunk is simulated."""

    seed: int
    contacts: int
    start: int
    now: int
    staff: Staff
    campaigns: Sequence[CampaignInfo]
    forms: dict[str, FormInfo]
    stages: Stages
    threshold: int = field(default_factory=scoring.mql_threshold)
    by_day: dict[str, list[tuple[list[CampaignInfo], list[float]]]] = field(default_factory=dict)
    events: list[CampaignInfo] = field(default_factory=list)
    event_keys: list[int] = field(default_factory=list)
    newsletter: CampaignInfo | None = None
    customer_newsletter: CampaignInfo | None = None

    def __post_init__(self) -> None:
        days = (self.now - self.start) // DAY + 1
        purposes = {
            "acquire": lambda c: (
                c.objective in ("lead_generation", "product_launch", "new_vertical")
                and c.channel not in (Channel.EMAIL,)
            ),
            "visit": lambda c: c.channel in (Channel.SEARCH, Channel.PAID_SOCIAL, Channel.PR),
            "form": lambda c: c.channel in (Channel.WEBINAR, Channel.CONTENT),
            "email": lambda c: c.channel == Channel.EMAIL and c.objective != "retention",
            "recruit": lambda c: c.objective == "recruiting",
            "press": lambda c: c.channel == Channel.PR,
            "retention": lambda c: c.objective == "retention" and c.channel != Channel.EMAIL,
        }
        for purpose, wanted in purposes.items():
            fitting = [c for c in self.campaigns if wanted(c)]
            table = []
            for day in range(days):
                t = self.start + day * DAY
                active = [c for c in fitting if c.start <= t <= c.end]
                weights, total = [], 0.0
                for c in active:
                    total += c.weight
                    weights.append(total)
                table.append((active, weights))
            self.by_day[purpose] = table
        self.events = sorted(
            (
                c
                for c in self.campaigns
                if c.channel in (Channel.EVENTS, Channel.WEBINAR) and c.objective != "retention"
            ),
            key=lambda c: c.key,
        )
        self.event_keys = [c.key for c in self.events]

    def campaign_at(self, rng: random.Random, purpose: str, t: int) -> CampaignInfo | None:
        day = min(max((t - self.start) // DAY, 0), len(self.by_day[purpose]) - 1)
        active, weights = self.by_day[purpose][day]
        if not active:
            return None
        return rng.choices(active, cum_weights=weights)[0]


# --- what a chunk produces ----------------------------------------------------------------


class ContactSim:
    """One contact while their story is told; becomes a Contact row and its children.

    ``index`` is the contact's place in its chunk until the writer replaces it with the id.
    """

    __slots__ = (
        "index", "account", "first_name", "last_name", "email", "phone", "title", "audience",
        "intent", "fit", "owner", "stage", "stage_at", "score", "created", "updated", "touches",
        "moves", "leads", "deals", "consent", "forms", "has_email", "email_until", "domain_free",
    )  # fmt: skip
    index: int
    account: AccountSim | None
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    audience: int  # AudienceType bits
    intent: float  # 0..1: how keen they are, drives how much they engage
    fit: int  # the fit part of the score
    owner: int | None
    stage: str
    stage_at: int | None
    score: int
    created: int
    updated: int
    # [at, kind, campaign, channel, utm source, utm medium, summary, recorded by, sentiment, seq]
    touches: list[list[Any]]
    # [at, from, to, by, reason, campaign id or None until resolved, seq]
    moves: list[list[Any]]
    leads: list[LeadSim]
    deals: list[DealSim]
    consent: tuple[str, bool, str, str, int] | None  # channel, granted, source, wording, at
    forms: list[tuple[list[Any], FormInfo, bool]]  # (touch, form, consent given)
    has_email: bool
    email_until: int
    domain_free: bool

    def __init__(self, index: int, account: AccountSim | None) -> None:
        self.index = index
        self.account = account
        self.owner = None
        self.stage = Stage.SUBSCRIBER.value
        self.stage_at = None
        self.touches = []
        self.moves = []
        self.leads = []
        self.deals = []
        self.consent = None
        self.forms = []
        self.has_email = False
        self.email_until = 0


class AccountSim:
    """One account of a chunk; ``index`` becomes its id when written."""

    __slots__ = ("index", "name", "domain", "industry", "size_band", "region", "owner",
                 "created", "team")  # fmt: skip
    index: int
    name: str
    domain: str
    industry: str
    size_band: str
    region: str
    owner: int  # the rep who owns the territory's account
    created: int
    team: str

    def __init__(self, index: int) -> None:
        self.index = index


class LeadSim:
    """One hand-off; ``index`` becomes its id when written."""

    __slots__ = ("index", "contact", "score", "rep", "handed", "status", "decided", "decider",
                 "reason", "note", "campaign")  # fmt: skip
    index: int
    contact: ContactSim
    score: int
    rep: int
    handed: int
    status: str
    decided: int | None
    decider: int | None
    reason: str
    note: str
    campaign: int | None

    def __init__(self) -> None:
        self.campaign = None
        self.decided = None
        self.decider = None
        self.reason = ""
        self.note = ""


class DealSim:
    """One deal with its stage moves; ``index`` becomes its id when written."""

    __slots__ = ("index", "name", "contact", "owner", "stage", "amount", "expected", "lead",
                 "is_repeat", "notes", "lost_reason", "created", "closed", "moves", "won",
                 "campaign")  # fmt: skip
    index: int
    name: str
    contact: ContactSim
    owner: int
    stage: int
    amount: Decimal
    expected: int
    lead: LeadSim | None
    is_repeat: bool
    notes: str
    lost_reason: str
    created: int
    closed: int | None
    moves: list[tuple[int | None, int, int, int | None]]  # from, to, at, by
    won: bool
    campaign: int | None

    def __init__(self) -> None:
        self.moves = []
        self.lost_reason = ""
        self.closed = None
        self.is_repeat = False
        self.won = False
        self.campaign = None


@dataclass
class Chunk:
    number: int
    accounts: list[AccountSim]
    contacts: list[ContactSim]
