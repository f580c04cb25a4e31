"""One chunk of the demo company: accounts, contacts and everything that happened to them.

Plain Python, no database: given the world (users, campaigns, forms, pipeline stages) and a
chunk number, ``ChunkSimulation`` returns rows that refer to each other by position in the
chunk. The relay is replayed as the services would have run it — touch by touch, with the same
scoring rules, the same lifecycle moves and the same hand-off — so the numbers the dashboards
compute from the rows agree with the story. Times are whole seconds since the epoch (UTC).

The story is told in parts (``people``, ``marketing``, ``deals``); this module ties them
together and replays the relay.
"""

from __future__ import annotations

import bisect

from tandem.demo import catalog
from tandem.demo.journey.deals import DealStory
from tandem.demo.journey.marketing import MarketingStory
from tandem.demo.journey.odds import (
    DEFAULT_SCORING,
    KIND_LABEL,
    NURTURE_PAUSE,
    REJECTION_CHOICE,
    REJECTION_LABEL,
    WINDOW,
)
from tandem.demo.journey.people import PeopleStory
from tandem.demo.world import (
    DAY,
    HOUR,
    Chunk,
    ContactSim,
    DealSim,
    LeadSim,
)
from tandem.handoff import icp_rules, scoring
from tandem.handoff.models import RECYCLING_REASONS
from tandem.handoff.services import QUALIFIABLE
from tandem.people.lifecycle import Stage
from tandem.people.models import AudienceType
from tandem.people.touches import INTEREST_KINDS, INTEREST_STAGES


class ChunkSimulation(PeopleStory, MarketingStory, DealStory):
    """Tells the story of one chunk's accounts and contacts. Deterministic by seed and chunk."""

    def simulate(self) -> Chunk:
        """Every contact's journey, then the account-level facts (repeat purchases)."""
        world, rng = self.world, self.rng
        span = world.now - world.start
        by_account: dict[int, list[ContactSim]] = {}
        for contact in self.contacts:
            if contact.account is not None:
                by_account.setdefault(contact.account.index, []).append(contact)
        # The company grows: more new contacts lately than at the start of the period.
        for account_contacts in by_account.values():
            found = world.start + int(span * rng.random() ** 0.8)
            found = min(found, world.now - 3 * HOUR)
            for i, contact in enumerate(account_contacts):
                contact.created = (
                    found
                    if i == 0
                    else found + int((world.now - 3 * HOUR - found) * rng.random() ** 1.5)
                )
        for contact in self.contacts:
            if contact.account is None:
                contact.created = min(
                    world.start + int(span * rng.random() ** 0.8), world.now - 3 * HOUR
                )
            self._journey(contact)
        for account_contacts in by_account.values():
            account = account_contacts[0].account
            assert account is not None
            account.created = min(c.created for c in account_contacts)
            self._repeat_flags([d for c in account_contacts for d in c.deals])
        for contact in self.contacts:
            if contact.account is None:
                self._repeat_flags(contact.deals)
        return Chunk(self.number, self.accounts, self.contacts)

    @staticmethod
    def _repeat_flags(deals: list[DealSim]) -> None:
        """A won deal is a repeat purchase when the account (or buyer) had already bought."""
        won = sorted(
            (d for d in deals if d.won and d.closed is not None),
            key=lambda d: (d.closed, d.created),
        )
        for i, deal in enumerate(won):
            deal.is_repeat = i > 0

    def _fit(self, contact: ContactSim) -> int:
        points = 0
        title = contact.title.lower()
        if icp_rules.SENIOR_TITLE.search(title):
            points += 15
        elif icp_rules.MANAGER_TITLE.search(title):
            points += 8
        if not contact.domain_free:
            points += 10
        account = contact.account
        if account is not None and account.industry and account.size_band:
            points += 5
        return points

    def _journey(self, contact: ContactSim) -> None:
        rng = self.rng
        contact.fit = self._fit(contact)
        prospect = contact.audience in (AudienceType.PROSPECT, AudienceType.PARTNER)
        base = rng.betavariate(1.3, 3.2)
        if contact.account is not None and contact.account.size_band in ("250-999", "1000+"):
            base += 0.08
        contact.intent = (
            min(1.0, base + (0.1 if contact.fit >= 23 else 0.0)) if prospect else base * 0.4
        )
        plan = self._marketing_plan(contact)
        contact.created = plan[0][0]
        self._relay(contact, plan)
        self._finish(contact)

    # the relay ---------------------------------------------------------------------------

    def _relay(self, contact: ContactSim, plan: list[tuple]) -> None:
        """Replay the touches as handoff.touch_log would: lead on interest, MQL at threshold."""
        threshold = self.world.threshold
        inert_until = 0  # the contact is with sales: touches change nothing until then
        quiet = (0, 0)  # marketing pauses after a recycle
        closed = False  # with sales for good (waiting, open deal, customer, disqualified)
        for item in plan:
            at = item[0]
            if quiet[0] <= at < quiet[1]:
                continue
            self._touch(contact, item)
            if closed or at < inert_until:
                continue
            kind = item[1]
            if kind in INTEREST_KINDS and contact.stage in INTEREST_STAGES:
                campaign = item[2].id if item[2] is not None else None
                self._move(contact, at, Stage.LEAD, None, KIND_LABEL[kind], campaign)
            if contact.stage not in QUALIFIABLE:
                continue
            score = contact.fit + self._engagement(contact, at)
            if score >= threshold:
                settled, outcome = self._hand_off(contact, at, score)
                if outcome == "recycled":
                    inert_until = settled
                    quiet = (settled, settled + NURTURE_PAUSE)
                else:
                    closed = True

    @staticmethod
    def _engagement(contact: ContactSim, at: int) -> int:
        since = at - WINDOW
        # As scoring.score_lines: a recycled lead re-earns its score from its recycling on.
        recycled = [m[0] for m in contact.moves if m[2] == Stage.RECYCLED and since < m[0] <= at]
        if recycled:
            since = max(recycled)
        return scoring.engagement_at(
            ((t[0], t[1]) for t in contact.touches if since <= t[0] <= at), at, DEFAULT_SCORING
        )

    def _rep_for(self, contact: ContactSim) -> int:
        if contact.account is not None:
            return contact.account.owner
        return self.rng.choice(self.reps)

    def _hand_off(self, contact: ContactSim, at: int, score: int) -> tuple[int, str]:
        """handoff.lead_hand_off, then sales' answer and what followed. Returns when the
        contact is back with marketing (if ever) and how the hand-off ended."""
        rng, world = self.rng, self.world
        if contact.stage != Stage.LEAD:
            self._move(contact, at, Stage.LEAD, None, "qualified by score")
        self._move(contact, at, Stage.MQL, None, f"score {score} reached {world.threshold}")
        lead = LeadSim()
        lead.contact, lead.score, lead.handed = contact, score, at
        lead.rep = self._rep_for(contact)
        contact.owner = lead.rep
        contact.leads.append(lead)
        lead.index = len(contact.leads) - 1
        team = world.staff.team_of_rep[lead.rep]
        # Most reps answer within hours; some leads wait days (travel, holidays).
        roll = rng.random()
        if roll < 0.72:
            delay = int(rng.uniform(0.2, 8) * HOUR)
        elif roll < 0.92:
            delay = int(rng.uniform(8, 48) * HOUR)
        else:
            delay = int(rng.uniform(2, 9) * DAY)
        decided = at + delay
        if decided > world.now:
            lead.status = "waiting"
            return world.now, "waiting"
        decider = world.staff.manager_by_team[team] if rng.random() < 0.1 else lead.rep
        lead.decided, lead.decider = decided, decider
        prospect = contact.audience in (AudienceType.PROSPECT, AudienceType.PARTNER)
        quality = contact.intent * 0.6 + contact.fit / 30 * 0.4
        if prospect and rng.random() < 0.4 + 0.45 * quality:
            lead.status = "accepted"
            self._move(contact, decided, Stage.SAL, decider, "accepted by sales")
            return self._first_deal(contact, lead, decided, decider, quality)
        lead.status = "rejected"
        if contact.audience == AudienceType.COMPETITOR:
            reason = "competitor"
        elif contact.audience in (AudienceType.PUBLIC, AudienceType.CANDIDATE):
            reason = "student"
        elif contact.audience == AudienceType.MEDIA:
            reason = "bad_fit"
        else:
            reason = rng.choices(REJECTION_CHOICE[0], cum_weights=REJECTION_CHOICE[1])[0]
        lead.reason = reason
        lead.note = rng.choice(catalog.REJECTION_NOTES[reason]) if rng.random() < 0.6 else ""
        recycle = reason in RECYCLING_REASONS
        text = f"rejected by sales: {REJECTION_LABEL[reason]}" + (
            f" — {lead.note}" if lead.note else ""
        )
        self._move(
            contact, decided, Stage.RECYCLED if recycle else Stage.DISQUALIFIED, decider, text
        )
        if recycle:
            contact.owner = None
            return decided, "recycled"
        return decided, "disqualified"

    # closing the contact --------------------------------------------------------------------

    def _finish(self, contact: ContactSim) -> None:
        """Order the touches and fill what the services keep on the contact as touches arrive:
        first- and last-touch attribution, the score, campaigns on moves, leads and deals."""
        touches = contact.touches
        touches.sort(key=lambda t: (t[0], t[9]))
        times = [t[0] for t in touches]
        contact.moves.sort(key=lambda m: (m[0], m[6]))

        def last_campaign(at: int) -> int | None:
            i = bisect.bisect_right(times, at) - 1
            campaign = touches[i][2] if i >= 0 else None
            return campaign.id if campaign is not None else None

        for move in contact.moves:
            if move[5] is None:
                move[5] = last_campaign(move[0])
        first_campaign = touches[0][2].id if touches[0][2] is not None else None
        for lead in contact.leads:
            lead.campaign = last_campaign(lead.handed) or first_campaign
            for deal in contact.deals:
                if deal.lead is lead:
                    deal.campaign = lead.campaign
        last = touches[-1][0]
        contact.score = contact.fit + self._engagement(contact, last)
        moved = contact.moves[-1][0] if contact.moves else 0
        contact.updated = max(last, moved)
