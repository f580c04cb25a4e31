"""Marketing's part of a contact's story: how they arrived, their consent, and the touches that
followed."""

from __future__ import annotations

import bisect

from tandem.demo import catalog
from tandem.demo.journey.base import StoryBase
from tandem.demo.journey.odds import (
    FORM_FOR_CHANNEL,
)
from tandem.demo.world import (
    DAY,
    HOUR,
    CampaignInfo,
    ContactSim,
)
from tandem.people.models import AudienceType, Channel


class MarketingStory(StoryBase):
    """The touches marketing's work brings a contact, before the relay replays them."""

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
        """How the contact first came: the account's rep called, an imported list, the website
        found on its own, or one of marketing's campaigns."""
        rng, world = self.rng, self.world
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
            self._imported(contact, t, plan, world.newsletter)
            return
        campaign = world.campaign_at(rng, "acquire", t) if roll < 0.88 else None
        if campaign is None:
            self._website_found(contact, t, plan)
        else:
            self._campaign_answered(contact, t, plan, campaign)

    def _imported(self, contact: ContactSim, t: int, plan: list[tuple], news: CampaignInfo) -> None:
        """Imported (old CRM, partner lists): known, consented, not yet interested."""
        source = self.rng.choice(("import:crm-migration", "import:partner-list"))
        self._consent(
            contact, t, source, "Agreed to hear from Kestrel (imported list)", granted=True
        )
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

    def _website_found(self, contact: ContactSim, t: int, plan: list[tuple]) -> None:
        """No campaign: search, a referral or social brought them, and they filled a form."""
        rng = self.rng
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

    def _campaign_answered(
        self, contact: ContactSim, t: int, plan: list[tuple], campaign: CampaignInfo
    ) -> None:
        """A campaign brought them: a badge scan at an event, or a click and a form."""
        rng, world = self.rng, self.world
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
        """The next touch after the first: an email opened or clicked, a form, an event, a note
        from the staff, or a visit to the website."""
        rng, world = self.rng, self.world
        intent = contact.intent
        roll = rng.random()
        emails = contact.has_email and t <= contact.email_until
        if emails and roll < 0.45:
            return self._email_follow_up(t)
        roll = rng.random()
        if roll < 0.04 + 0.3 * intent:
            return self._form_follow_up(contact, t)
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

    def _email_follow_up(self, t: int) -> tuple | None:
        """An email campaign's (or the newsletter's) message opened, sometimes clicked."""
        rng, world = self.rng, self.world
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

    def _form_follow_up(self, contact: ContactSim, t: int) -> tuple:
        """A form filled in: a campaign's, or the demo or contact form found by search."""
        rng, world = self.rng, self.world
        intent = contact.intent
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
