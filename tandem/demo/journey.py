"""One chunk of the demo company: accounts, contacts and everything that happened to them.

Plain Python, no database: given the world (users, campaigns, forms, pipeline stages) and a
chunk number, ``chunk_simulate`` returns rows that refer to each other by position in the
chunk. The relay is replayed as the services would have run it — touch by touch, with the same
scoring rules, the same lifecycle moves and the same hand-off — so the numbers the dashboards
compute from the rows agree with the story. Times are whole seconds since the epoch (UTC).
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from tandem.demo import catalog
from tandem.demo.naming import Namer
from tandem.demo.world import (
    DAY,
    HOUR,
    AccountSim,
    CampaignInfo,
    Chunk,
    ContactSim,
    DealSim,
    LeadSim,
    World,
)
from tandem.handoff import icp_rules, scoring
from tandem.handoff.models import RECYCLING_REASONS, RejectionReason
from tandem.handoff.services import QUALIFIABLE
from tandem.people.lifecycle import Stage
from tandem.people.models import AudienceType, Channel, TouchKind
from tandem.people.touches import INTEREST_KINDS, INTEREST_STAGES
from tandem.sales.models import LostReason

WINDOW = int(scoring.ENGAGEMENT_WINDOW.total_seconds())
DEFAULT_SCORING = scoring.default_profile()
# Marketing leaves a recycled contact alone for one scoring window, so old engagement has
# decayed before they can qualify again (the relay would otherwise hand them straight back).
NURTURE_PAUSE = WINDOW
# Contacts per chunk: every chunk is written in its own transaction.
CHUNK_CONTACTS = 2_500
# Repeat purchases (see ``_customer``): the rate of opening a repeat deal, per day, is
# gamma(shape, scale), one a month on average; the chance of dropping out after each repeat
# purchase is beta(a, b), between a quarter and a third on average. A repeat deal is a
# reorder from a known customer: most are won, within days. (With ~200 customers on 18
# months these give histories from which BG/NBD's four parameters can be fitted.)
REPEAT_RATE_SHAPE, REPEAT_RATE_SCALE = 1.5, 1 / 45
DROPOUT_A, DROPOUT_B = 1.0, 2.5
REPEAT_WIN_CHANCE = 0.9
REPEAT_WON_DAYS, REPEAT_LOST_DAYS = (2.0, 20.0, 6.0), (2.0, 15.0, 5.0)

KIND_LABEL = {k.value: k.label for k in TouchKind}
LOST_LABEL = {r.value: r.label for r in LostReason}
REJECTION_LABEL = {r.value: r.label for r in RejectionReason}
SIZE_BANDS = (("1-9", 10), ("10-49", 30), ("50-249", 33), ("250-999", 18), ("1000+", 9))
CONTACTS_PER_ACCOUNT = {
    "1-9": (1, 2, 1),
    "10-49": (1, 4, 1),
    "50-249": (1, 7, 2),
    "250-999": (2, 14, 3),
    "1000+": (3, 28, 6),
}
REJECTIONS = (
    ("not_ready", 34),
    ("no_budget", 22),
    ("wrong_person", 16),
    ("bad_fit", 16),
    ("duplicate", 6),
    ("spam", 2),
)
LOST_REASONS = (
    ("price", 26),
    ("competitor", 24),
    ("no_decision", 24),
    ("timing", 16),
    ("fit", 7),
    ("other", 3),
)


def _weighted(pairs: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    """Values and cumulative weights, for ``rng.choices(values, cum_weights=...)``."""
    values, cumulative, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


TITLES = _weighted(catalog.TITLES)
SIZES = _weighted(SIZE_BANDS)
REJECTION_CHOICE = _weighted(REJECTIONS)
LOST_CHOICE = _weighted(LOST_REASONS)
FORM_FOR_CHANNEL: dict[str, str] = {
    Channel.WEBINAR: "webinar",
    Channel.CONTENT: "ebook",
    Channel.SEARCH: "demo",
    Channel.PAID_SOCIAL: "ebook",
    Channel.PARTNER: "demo",
    Channel.PR: "contact",
}

# --- the simulation -------------------------------------------------------------------------


class ChunkSimulation:
    """Tells the story of one chunk's accounts and contacts. Deterministic by seed and chunk."""

    def __init__(self, world: World, namer: Namer, number: int, size: int) -> None:
        self.world = world
        self.namer = namer
        self.number = number
        self.size = size
        self.rng = random.Random(f"tandem-demo:{world.seed}:{world.contacts}:chunk:{number}")
        self.accounts: list[AccountSim] = []
        self.contacts: list[ContactSim] = []
        self.reps = world.staff.reps

    # layout -------------------------------------------------------------------------------

    def layout(self) -> Chunk:
        """Accounts and contacts with names and emails, nothing more: cheap, for resume checks."""
        rng = self.rng
        while len(self.contacts) < self.size:
            if rng.random() < 0.16:
                self._free_mail_contact()
                continue
            account = self._account()
            low, high, mode = CONTACTS_PER_ACCOUNT[account.size_band or "10-49"]
            count = min(int(rng.triangular(low, high + 1, mode)), self.size - len(self.contacts))
            shift = rng.randrange(self.namer.person_space)
            for position in range(count):
                contact = ContactSim(len(self.contacts), account)
                first_i, last_i, _ = self.namer.person(position, shift)
                self._name(contact, first_i, last_i)
                contact.email = (
                    f"{self.namer.first_slugs[first_i]}."
                    f"{self.namer.last_slugs[last_i]}@{account.domain}"
                )
                contact.domain_free = False
                contact.audience = AudienceType.PROSPECT.value
                roll = rng.random()
                if roll < 0.03:
                    contact.audience = AudienceType.PARTNER.value
                elif roll < 0.045:
                    contact.audience = AudienceType.COMPETITOR.value
                contact.title = rng.choices(TITLES[0], cum_weights=TITLES[1])[0]
                self._phone(contact, account.region)
                self.contacts.append(contact)
        return Chunk(self.number, self.accounts, self.contacts)

    def _account(self) -> AccountSim:
        rng = self.rng
        account = AccountSim(len(self.accounts))
        number = self.number * CHUNK_CONTACTS + account.index
        name, domain, industry, tld = self.namer.company(number)
        region = catalog.REGION_BY_TLD.get(tld) or rng.choice(catalog.REGIONS)
        if rng.random() < 0.5:
            name = f"{name} {rng.choice(region.legal_forms)}"
        account.name, account.domain, account.industry = name, domain, industry
        account.region = region.name
        account.team = region.team
        account.size_band = rng.choices(SIZES[0], cum_weights=SIZES[1])[0]
        if rng.random() < 0.12:
            account.size_band = ""  # profile not known yet
        account.owner = rng.choice(self.world.staff.reps_by_team[region.team])
        self.accounts.append(account)
        return account

    def _free_mail_contact(self) -> None:
        rng = self.rng
        contact = ContactSim(len(self.contacts), None)
        number = self.number * CHUNK_CONTACTS + contact.index
        first_i, last_i, lap = self.namer.person(number)
        self._name(contact, first_i, last_i)
        sep = "." if rng.random() < 0.7 else "_"
        digits = str(lap * 100 + rng.randrange(100)) if (lap or rng.random() < 0.5) else ""
        contact.email = (
            f"{self.namer.first_slugs[first_i]}{sep}{self.namer.last_slugs[last_i]}"
            f"{digits}@{rng.choice(catalog.FREE_MAIL)}"
        )
        contact.domain_free = True
        roll = rng.random()
        if roll < 0.45:
            contact.audience = AudienceType.PROSPECT.value
            contact.title = rng.choice(
                (
                    "Consultant",
                    "Freelance Automation Engineer",
                    "",
                    "Maintenance Manager",
                    "Owner-operator",
                )
            )
        elif roll < 0.72:
            contact.audience = AudienceType.PUBLIC.value
            contact.title = rng.choice(catalog.STUDENT_TITLES)
        elif roll < 0.88:
            contact.audience = AudienceType.CANDIDATE.value
            contact.title = rng.choice(catalog.CANDIDATE_TITLES)
        else:
            contact.audience = AudienceType.MEDIA.value
            contact.title = rng.choice(catalog.MEDIA_TITLES)
        self._phone(contact, rng.choice(catalog.REGIONS).name if rng.random() < 0.3 else "")
        self.contacts.append(contact)

    @staticmethod
    def _name(contact: ContactSim, first_i: int, last_i: int) -> None:
        contact.first_name = catalog.FIRST_NAMES[first_i]
        contact.last_name = catalog.LAST_NAMES[last_i]

    def _phone(self, contact: ContactSim, region_name: str) -> None:
        contact.phone = ""
        if region_name and self.rng.random() < 0.55:
            prefix = next(r.phone_prefix for r in catalog.REGIONS if r.name == region_name)
            number = self.rng.randrange(10_000_000, 99_999_999)
            contact.phone = f"{prefix} {str(number)[:3]} {str(number)[3:]}"

    # the stories --------------------------------------------------------------------------

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

    # marketing touches ---------------------------------------------------------------------

    def _marketing_plan(self, contact: ContactSim) -> list[tuple]:
        """The touches marketing's work would bring, in time order: (at, kind, campaign, form,
        channel, utm source, utm medium, summary, recorded_by, sentiment)."""
        rng, world = self.rng, self.world
        t = contact.created
        plan: list[tuple] = []
        audience = contact.audience
        if audience == AudienceType.CANDIDATE:
            campaign = world.campaign_at(rng, "recruit", t)
            plan.append(self._visit(t, campaign, "Careers page"))
        elif audience == AudienceType.MEDIA:
            campaign = world.campaign_at(rng, "press", t)
            plan.append(self._visit(t, campaign, "Newsroom"))
            self._consent(
                contact,
                t,
                "import:press-list",
                "Press list: agreed to receive press releases",
                granted=True,
            )
        else:
            self._acquire(contact, t, plan)
        t = plan[-1][0]
        mean_touches = 0.8 + 7.5 * contact.intent
        count = int(rng.expovariate(1 / mean_touches)) if mean_touches else 0
        count = min(count, 24)
        gap_mean = DAY * rng.uniform(6, 28)
        for _ in range(count):
            t += int(rng.expovariate(1 / gap_mean)) + HOUR
            if t > world.now:
                break
            touch = self._follow_up(contact, t)
            if touch is not None:
                plan.append(touch)
                t = touch[0]
        if contact.consent is not None and contact.has_email and rng.random() < 0.05:
            # Some unsubscribe: the consent row ends as a 'no' and emails stop.
            until = contact.consent[4] + int((world.now - contact.consent[4]) * rng.random())
            contact.email_until = until
            plan = [p for p in plan if p[0] <= until or p[1] not in ("email_open", "email_click")]
            self._consent(contact, until, "unsubscribe link", "", granted=False)
        plan.sort(key=lambda p: p[0])
        return plan

    def _acquire(self, contact: ContactSim, t: int, plan: list[tuple]) -> None:
        rng, world = self.rng, self.world
        channel: str
        if contact.account is not None and rng.random() < 0.05:
            # Outbound: the account's rep called first.
            rep = contact.account.owner
            plan.append(
                (
                    t,
                    "call",
                    None,
                    None,
                    Channel.SALES,
                    "",
                    "",
                    "Cold call: introduced Kestrel, agreed to receive a case study",
                    rep,
                    "",
                )
            )
            return
        roll = rng.random()
        if roll < 0.3 and world.newsletter is not None:
            # Imported (old CRM, partner lists): known, consented, not yet interested.
            source = rng.choice(("import:crm-migration", "import:partner-list"))
            self._consent(
                contact, t, source, "Agreed to hear from Kestrel (imported list)", granted=True
            )
            news = world.newsletter
            plan.append(
                (
                    t,
                    "email_open",
                    news,
                    None,
                    Channel.EMAIL,
                    "",
                    "",
                    f"Opened {news.name}",
                    None,
                    "",
                )
            )
            contact.intent *= 0.6
            return
        campaign = world.campaign_at(rng, "acquire", t) if roll < 0.88 else None
        if campaign is None:
            channel, source, medium = rng.choice(
                (
                    (Channel.ORGANIC_SEARCH, "google", "organic"),
                    (Channel.ORGANIC_SEARCH, "bing", "organic"),
                    (Channel.DIRECT, "", ""),
                    (Channel.REFERRAL, "linkedin.com", "referral"),
                    (Channel.ORGANIC_SOCIAL, "linkedin", "social"),
                )
            )
            plan.append(
                (
                    t,
                    "page_visit",
                    None,
                    None,
                    channel,
                    source,
                    medium,
                    "Visited the website",
                    None,
                    "",
                )
            )
            form = rng.choice(("demo", "ebook", "ebook", "newsletter", "contact"))
            self._form(
                contact,
                t + rng.randrange(60, 1800),
                None,
                form,
                plan,
                first=True,
                channel=channel,
                source=source,
                medium=medium,
            )
            return
        channel = campaign.channel
        if channel == Channel.EVENTS:
            at = min(max(campaign.key, t), world.now)
            plan.append(
                (
                    at,
                    "event",
                    campaign,
                    None,
                    channel,
                    "",
                    "",
                    f"Badge scan at {campaign.name}",
                    None,
                    "",
                )
            )
            self._consent(
                contact,
                at,
                f"import:{campaign.utm_campaign}",
                f"Badge scan at {campaign.name}: agreed to hear from Kestrel",
                granted=rng.random() < 0.55,
            )
            return
        if channel in (Channel.SEARCH, Channel.PAID_SOCIAL, Channel.PR):
            plan.append(self._visit(t, campaign, f"Clicked {campaign.name}"))
            t += rng.randrange(60, 1800)
        form = FORM_FOR_CHANNEL.get(channel, "contact")
        self._form(contact, t, campaign, form, plan, first=True)
        if channel == Channel.WEBINAR and t <= campaign.key <= world.now and rng.random() < 0.55:
            plan.append(
                (
                    campaign.key,
                    "event",
                    campaign,
                    None,
                    channel,
                    "",
                    "",
                    f"Attended {campaign.name}",
                    None,
                    "",
                )
            )

    def _visit(self, t: int, campaign: CampaignInfo | None, summary: str) -> tuple:
        if campaign is None:
            return (
                t,
                "page_visit",
                None,
                None,
                Channel.ORGANIC_SEARCH,
                "google",
                "organic",
                summary,
                None,
                "",
            )
        return (
            t,
            "page_visit",
            campaign,
            None,
            campaign.channel,
            campaign.utm_source,
            campaign.utm_medium,
            summary,
            None,
            "",
        )

    def _form(
        self,
        contact: ContactSim,
        t: int,
        campaign: CampaignInfo | None,
        slug: str,
        plan: list[tuple],
        *,
        first: bool = False,
        channel: str = "",
        source: str = "",
        medium: str = "",
    ) -> None:
        form = self.world.forms[slug]
        if campaign is not None:
            channel, source, medium = campaign.channel, campaign.utm_source, campaign.utm_medium
        elif form.campaign is not None:
            # As form_submit does: the form's own campaign, the visitor's UTM tags.
            campaign = form.campaign
            channel = campaign.channel
        plan.append(
            (
                t,
                "form_submission",
                campaign,
                form,
                channel or Channel.DIRECT,
                source,
                medium,
                f"Submitted {form.name}",
                None,
                "",
            )
        )
        if first:
            granted = self.rng.random() < (0.85 if slug == "newsletter" else 0.6)
            self._consent(
                contact, t, f"form:{slug}", form.consent_wording if granted else "", granted=granted
            )

    def _consent(
        self, contact: ContactSim, t: int, source: str, wording: str, *, granted: bool
    ) -> None:
        contact.consent = ("email", granted, source, wording, t)
        if granted:
            contact.has_email = True
            contact.email_until = self.world.now

    def _follow_up(self, contact: ContactSim, t: int) -> tuple | None:
        rng, world = self.rng, self.world
        intent = contact.intent
        roll = rng.random()
        emails = contact.has_email and t <= contact.email_until
        if emails and roll < 0.45:
            campaign = world.campaign_at(rng, "email", t) or world.newsletter
            if campaign is None:
                return None
            if rng.random() < 0.3:  # a click carries the link's UTM tags; an open does not
                return (
                    t,
                    "email_click",
                    campaign,
                    None,
                    Channel.EMAIL,
                    campaign.utm_source,
                    campaign.utm_medium,
                    f"Clicked {campaign.name}",
                    None,
                    "",
                )
            return (
                t,
                "email_open",
                campaign,
                None,
                Channel.EMAIL,
                "",
                "",
                f"Opened {campaign.name}",
                None,
                "",
            )
        roll = rng.random()
        if roll < 0.04 + 0.3 * intent:
            campaign = world.campaign_at(rng, "form", t)
            if campaign is not None and rng.random() < 0.7:
                plan: list[tuple] = []
                self._form(contact, t, campaign, FORM_FOR_CHANNEL[campaign.channel], plan)
                return plan[0]
            slug = "demo" if rng.random() < 0.25 + 0.5 * intent else "contact"
            plan = []
            self._form(
                contact,
                t,
                None,
                slug,
                plan,
                channel=Channel.ORGANIC_SEARCH,
                source="google",
                medium="organic",
            )
            return plan[0]
        if roll < 0.14 + 0.38 * intent:
            i = bisect.bisect_left(world.event_keys, t)
            if i < len(world.events) and world.events[i].key <= min(world.now, t + 45 * DAY):
                event = world.events[i]
                return (
                    event.key,
                    "event",
                    event,
                    None,
                    event.channel,
                    "",
                    "",
                    f"Attended {event.name}",
                    None,
                    "",
                )
        if contact.audience == AudienceType.PROSPECT and rng.random() < 0.01:
            author = rng.choice(
                (
                    *world.staff.reps,
                    world.staff.support,
                    world.staff.field_engineer,
                    *world.staff.marketers,
                )
            )
            summary, sentiment = rng.choice(catalog.EMPLOYEE_NOTES)
            return (t, "note", None, None, Channel.OTHER, "", "", summary, author, sentiment)
        campaign = world.campaign_at(rng, "visit", t) if rng.random() < 0.45 else None
        page = rng.choice(
            (
                "Pricing",
                "Fleet Monitor",
                "Case studies",
                "Blog",
                "Integrations",
                "Energy Insight",
                "Docs",
            )
        )
        return self._visit(t, campaign, f"Visited {page}")

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

    # deals -------------------------------------------------------------------------------

    def _product_deal(self, contact: ContactSim, *, repeat: bool, base: DealSim | None) -> tuple:
        rng = self.rng
        account = contact.account
        industry = account.industry if account else ""
        size = catalog.SIZE_FACTOR.get(account.size_band if account else "1-9", 0.8)
        if repeat and base is not None and rng.random() < 0.45:
            product = rng.choice(catalog.ADD_ONS)
            size = 1.0
            label = product.name
        else:
            fitting = [p for p in catalog.PRODUCTS if not p.industries or industry in p.industries]
            product = rng.choice(fitting)
            label = f"{product.name} expansion" if repeat else product.name
            if repeat:
                size *= 0.5
        low, high = product.quantity
        quantity = max(1, int(rng.uniform(low, high) * size))
        discount = Decimal(rng.choice((0, 0, 5, 7.5, 10, 12.5, 15, 20))) / 100
        amount = (product.list_price * quantity * (1 - discount)).quantize(Decimal("1"))
        buyer = account.name if account else f"{contact.first_name} {contact.last_name}"
        return f"{buyer} — {label}, {quantity} {product.unit}", amount

    def _new_deal(
        self,
        contact: ContactSim,
        at: int,
        owner: int,
        by: int,
        *,
        repeat: bool,
        lead: LeadSim | None,
    ) -> DealSim:
        deal = DealSim()
        deal.contact, deal.owner, deal.created, deal.lead = contact, owner, at, lead
        base = contact.deals[0] if contact.deals else None
        deal.name, deal.amount = self._product_deal(contact, repeat=repeat, base=base)
        deal.stage = self.world.stages.discovery
        deal.moves.append((None, deal.stage, at, by))
        deal.notes = self.rng.choice(catalog.PRIVATE_NOTES) if self.rng.random() < 0.3 else ""
        contact.deals.append(deal)
        deal.index = len(contact.deals) - 1
        return deal

    def _run_deal(
        self,
        contact: ContactSim,
        deal: DealSim,
        win_chance: float,
        won_days: tuple[float, float, float],
        lost_days: tuple[float, float, float],
    ) -> int | None:
        """Move the deal through the stages; the close time if it closed, else None."""
        rng, world, stages = self.rng, self.world, self.world.stages
        start, owner = deal.created, deal.owner
        won = rng.random() < win_chance
        cycle = int(rng.triangular(*(won_days if won else lost_days)) * DAY)
        close = start + cycle
        reach = 3 if won else rng.choices((1, 2, 3), cum_weights=(40, 75, 100))[0]
        steps = [
            (stages.proposal, start + int(cycle * rng.uniform(0.2, 0.4))),
            (stages.negotiation, start + int(cycle * rng.uniform(0.55, 0.8))),
        ][: reach - 1]
        # The rep's own touches along the way.
        discovery = start + int(rng.uniform(0.1, 4) * DAY)
        calls = [(discovery, "call", rng.choice(catalog.DISCOVERY_CALLS))]
        if reach >= 2:
            calls.append(
                (
                    steps[0][1] - int(rng.uniform(0, 3) * DAY),
                    "meeting",
                    rng.choice(catalog.DEMO_MEETINGS),
                )
            )
        if reach >= 3:
            calls.append(
                (
                    steps[1][1] + int(rng.uniform(0, 0.15) * cycle),
                    "call",
                    rng.choice(catalog.NEGOTIATION_CALLS),
                )
            )
        for at, kind, summary in calls:
            if start <= at <= min(close, world.now):
                self._touch(
                    contact, (at, kind, None, None, Channel.SALES, "", "", summary, owner, "")
                )
        current = deal.stage
        for stage, at in steps:
            if at > world.now:
                break
            deal.moves.append((current, stage, at, owner))
            current = stage
        deal.stage = current
        deal.expected = close + int(rng.uniform(-10, 20) * DAY)
        if close > world.now:
            deal.expected = max(deal.expected, world.now + int(rng.uniform(3, 45) * DAY))
            return None
        final = stages.won if won else stages.lost
        deal.moves.append((current, final, close, owner))
        deal.stage, deal.closed, deal.won = final, close, won
        if not won:
            deal.lost_reason = rng.choices(LOST_CHOICE[0], cum_weights=LOST_CHOICE[1])[0]
        return close

    def _first_deal(
        self, contact: ContactSim, lead: LeadSim, at: int, decider: int, quality: float
    ) -> tuple[int, str]:
        deal = self._new_deal(contact, at, lead.rep, decider, repeat=False, lead=lead)
        self._move(contact, at, Stage.OPPORTUNITY, decider, f"deal opened: {deal.name}")
        closed = self._run_deal(contact, deal, 0.22 + 0.45 * quality, (20, 150, 55), (10, 120, 35))
        if closed is None:
            return self.world.now, "open"
        if not deal.won:
            self._move(
                contact,
                closed,
                Stage.RECYCLED,
                deal.owner,
                f"deal lost: {LOST_LABEL[deal.lost_reason]}",
            )
            return closed, "recycled"
        self._won(contact, deal, closed)
        self._customer(contact, deal, closed)
        return self.world.now, "customer"

    def _won(self, contact: ContactSim, deal: DealSim, at: int) -> None:
        contact.audience |= AudienceType.CUSTOMER.value
        if contact.stage in (Stage.REPEAT_CUSTOMER, Stage.ADVOCATE):
            return
        target = Stage.REPEAT_CUSTOMER if contact.stage == Stage.CUSTOMER else Stage.CUSTOMER
        self._move(contact, at, target, deal.owner, f"won {deal.name}")

    def _customer(self, contact: ContactSim, first: DealSim, won_at: int) -> None:
        """After the first sale: installation, support, repeat purchases, maybe advocacy."""
        rng, world, staff = self.rng, self.world, self.world.staff
        install = won_at + int(rng.uniform(7, 45) * DAY)
        if install <= world.now:
            summary, sentiment = rng.choice(catalog.FIELD_NOTES)
            self._touch(
                contact,
                (
                    install,
                    "note",
                    None,
                    None,
                    Channel.OTHER,
                    "",
                    "",
                    summary,
                    staff.field_engineer,
                    sentiment,
                ),
            )
        t = install
        while True:
            t += int(rng.expovariate(1 / (110 * DAY)))
            if t > world.now:
                break
            summary, sentiment = rng.choice(catalog.SUPPORT_NOTES)
            self._touch(
                contact,
                (t, "note", None, None, Channel.OTHER, "", "", summary, staff.support, sentiment),
            )
        if world.customer_newsletter is not None and contact.has_email:
            news = world.customer_newsletter
            t = won_at
            while True:
                t += int(rng.uniform(25, 40) * DAY)
                if t > min(world.now, contact.email_until) or rng.random() < 0.25:
                    break
                self._touch(
                    contact,
                    (
                        t,
                        "email_open",
                        news,
                        None,
                        Channel.EMAIL,
                        "",
                        "",
                        f"Opened {news.name}",
                        None,
                        "",
                    ),
                )
        owner = contact.account.owner if contact.account is not None else first.owner
        # Buying again follows the story BG/NBD tells (Fader, Hardie & Lee 2005), so that the
        # lifetime-value report has something to learn: while active, a customer opens a repeat
        # deal at their own pace (a rate drawn from a gamma distribution: some buy every few
        # months, some once a year), and after each purchase drops out for good with their own
        # probability (drawn from a beta distribution: most stay a while, some leave soon).
        # As in the model, only a repeat purchase can be the last one.
        rate = rng.gammavariate(REPEAT_RATE_SHAPE, REPEAT_RATE_SCALE)
        dropout = rng.betavariate(DROPOUT_A, DROPOUT_B)
        last_close, active = won_at, True
        while active:
            opened = last_close + int(rng.expovariate(rate) * DAY)
            if opened > world.now:
                break
            retention = world.campaign_at(rng, "retention", opened)
            deal = self._new_deal(contact, opened, owner, owner, repeat=True, lead=None)
            if retention is not None and rng.random() < 0.5:
                deal.campaign = retention.id
                self._touch(
                    contact,
                    (
                        opened - int(rng.uniform(1, 20) * DAY),
                        "event",
                        retention,
                        None,
                        retention.channel,
                        "",
                        "",
                        f"Attended {retention.name}",
                        None,
                        "",
                    ),
                )
            closed = self._run_deal(
                contact, deal, REPEAT_WIN_CHANCE, REPEAT_WON_DAYS, REPEAT_LOST_DAYS
            )
            if closed is None:
                break
            last_close = closed
            if deal.won:
                self._won(contact, deal, closed)
                active = rng.random() >= dropout
        if contact.stage == Stage.REPEAT_CUSTOMER and contact.stage_at and rng.random() < 0.18:
            at = contact.stage_at + int(rng.uniform(20, 120) * DAY)
            if at <= world.now:
                self._move(
                    contact,
                    at,
                    Stage.ADVOCATE,
                    rng.choice((staff.marketing_manager, *staff.marketers)),
                    "agreed to a customer reference story",
                )

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


def chunk_sizes(total: int) -> list[int]:
    """How many contacts each chunk holds."""
    full, rest = divmod(total, CHUNK_CONTACTS)
    return [CHUNK_CONTACTS] * full + ([rest] if rest else [])


def day_of(ts: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date()
