"""The demo company's fixed cast and plan: staff, campaigns, lead forms, the pipeline.

These are a few dozen records, made once (get-or-create, so a re-run finds them) and read back
as the ``World`` every chunk of contacts is simulated against.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify

from tandem.access import services as access
from tandem.access.models import User
from tandem.access.roles import Role, TeamKind
from tandem.demo import catalog
from tandem.demo.world import DAY, CampaignInfo, FormInfo, Staff, Stages, World
from tandem.marketing.models import Campaign, LeadForm, Objective
from tandem.people.models import Channel
from tandem.sales.models import PipelineStage
from tandem.sales.services import pipeline_default


@dataclass(frozen=True)
class Member:
    """One demo login."""

    username: str
    first_name: str
    last_name: str
    role: str
    team: str  # "" for none
    job: str


STAFF = (
    Member("maria", "Maria", "Keller", Role.MARKETING_MANAGER, "Marketing", "Marketing manager"),
    Member("mark", "Mark", "Brennan", Role.MARKETER, "Marketing", "Marketer (campaigns)"),
    Member("nina", "Nina", "Lindqvist", Role.MARKETER, "Marketing", "Marketer (content)"),
    Member("sven", "Sven", "Olsson", Role.SALES_MANAGER, "Sales North", "Sales manager"),
    Member("sam", "Sam", "Fischer", Role.SALES_REP, "Sales North", "Sales rep"),
    Member("tara", "Tara", "Kelly", Role.SALES_REP, "Sales North", "Sales rep"),
    Member("ole", "Ole", "Hansen", Role.SALES_REP, "Sales North", "Sales rep"),
    Member("sofia", "Sofia", "Romano", Role.SALES_MANAGER, "Sales South", "Sales manager"),
    Member("diego", "Diego", "Ruiz", Role.SALES_REP, "Sales South", "Sales rep"),
    Member("lucia", "Lucia", "Ferreira", Role.SALES_REP, "Sales South", "Sales rep"),
    Member("leo", "Leo", "Brandt", Role.LEADERSHIP, "Leadership", "CEO"),
    Member("ada", "Ada", "Novak", Role.ADMIN, "", "Admin"),
    Member("eve", "Eve", "Moreau", Role.EMPLOYEE, "Customer Success", "Support agent"),
    Member("finn", "Finn", "Berg", Role.EMPLOYEE, "Field Service", "Field engineer"),
)
TEAM_KINDS = {
    "Marketing": TeamKind.MARKETING,
    "Sales North": TeamKind.SALES,
    "Sales South": TeamKind.SALES,
    "Leadership": TeamKind.LEADERSHIP,
}
CHANNEL_UTM: dict[str, tuple[str, str]] = {
    Channel.SEARCH: ("google", "cpc"),
    Channel.PAID_SOCIAL: ("linkedin", "paid_social"),
    Channel.WEBINAR: ("kestrel", "webinar"),
    Channel.EVENTS: ("event", "event"),
    Channel.CONTENT: ("linkedin", "content"),
    Channel.EMAIL: ("newsletter", "email"),
    Channel.PARTNER: ("partner", "partner"),
    Channel.PR: ("press", "pr"),
    Channel.ORGANIC_SOCIAL: ("linkedin", "social"),
}
FORMS = (
    ("demo", "Request a demo", "See Kestrel on your own machines", "search"),
    ("newsletter", "Newsletter sign-up", "The Connected Plant, once a month", "newsletter"),
    ("webinar", "Webinar registration", "Save your seat", ""),
    ("ebook", "Download a guide", "Get the guide", ""),
    ("contact", "Contact us", "Talk to an expert", ""),
)


def staff_ensure() -> dict[str, User]:
    """The demo users, created through the access services the first time."""
    users = {u.username: u for u in User.objects.filter(username__in=[m.username for m in STAFF])}
    for member in STAFF:
        if member.username in users:
            continue
        team = None
        if member.team:
            team = access.team_get_or_create(
                name=member.team, kind=TEAM_KINDS.get(member.team, TeamKind.OTHER)
            )
        users[member.username] = access.user_create(
            username=member.username,
            password=catalog.DEMO_PASSWORD,
            role=member.role,
            team=team,
            email=f"{member.username}@{catalog.SELLER_DOMAIN}",
            first_name=member.first_name,
            last_name=member.last_name,
            check_password=False,
            via="demo",
        )
    return users


def staff_placeholder() -> Staff:
    """Staff with stand-in ids: enough to lay out a chunk (for the resume check)."""
    return _staff({m.username: i + 1 for i, m in enumerate(STAFF)})


def _staff(ids: dict[str, int]) -> Staff:
    reps_by_team: dict[str, tuple[int, ...]] = {}
    managers: dict[str, int] = {}
    for m in STAFF:
        if m.role == Role.SALES_REP:
            reps_by_team[m.team] = (*reps_by_team.get(m.team, ()), ids[m.username])
        elif m.role == Role.SALES_MANAGER:
            managers[m.team] = ids[m.username]
    return Staff(
        reps_by_team=reps_by_team,
        manager_by_team=managers,
        team_of_rep={r: team for team, reps in reps_by_team.items() for r in reps},
        marketers=tuple(ids[m.username] for m in STAFF if m.role == Role.MARKETER),
        marketing_manager=ids["maria"],
        support=ids["eve"],
        field_engineer=ids["finn"],
    )


def _month_first(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class CampaignPlan:
    name: str
    channel: str
    objective: str
    starts_on: dt.date
    ends_on: dt.date | None
    key: dt.date
    budget: Decimal
    message: str
    weight: float
    owner: str


def campaign_plans(*, seed: int, months: int, today: dt.date, scale: float) -> list[CampaignPlan]:
    """A year and a half of marketing: always-on search and newsletters, a webinar a month,
    social bursts, guides, trade fairs, partner and press work, a launch, a new vertical,
    recruiting and a user conference."""
    rng = random.Random(f"tandem-demo:{seed}:campaigns")
    first = _month_first(today, months - 1)
    plans: list[CampaignPlan] = []

    def money(low: int, high: int) -> Decimal:
        return Decimal(max(500, round(rng.uniform(low, high) * scale / 500) * 500))

    def add(
        name: str,
        channel: str,
        start: dt.date,
        days: int | None,
        key: dt.date | None = None,
        *,
        objective: str = Objective.LEAD_GENERATION,
        budget: Decimal,
        weight: float,
        message: str = "",
        owner: str = "",
    ) -> None:
        start = max(start, first)
        plans.append(
            CampaignPlan(
                name=name,
                channel=channel,
                objective=objective,
                starts_on=start,
                ends_on=None if days is None else start + dt.timedelta(days=days),
                key=key or start,
                budget=budget,
                message=message,
                weight=weight,
                owner=owner or rng.choice(("mark", "nina", "maria")),
            )
        )

    add(
        "Always-on search: industrial IoT platform",
        Channel.SEARCH,
        first,
        None,
        budget=money(3000, 4000) * months,
        weight=3,
        message="Predictive maintenance and energy monitoring without a big IT project.",
        owner="mark",
    )
    add(
        "Newsletter: The Connected Plant",
        Channel.EMAIL,
        first,
        None,
        budget=money(200, 400),
        weight=1,
        message="Monthly: one plant story, one how-to, one event.",
        owner="nina",
    )
    add(
        "Customer newsletter",
        Channel.EMAIL,
        first,
        None,
        objective=Objective.RETENTION,
        budget=money(200, 300),
        weight=1,
        message="What's new for Kestrel customers.",
        owner="nina",
    )
    for i in range(months):
        month = _month_first(today, months - 1 - i)
        label = month.strftime("%b %Y")
        topic = catalog.WEBINAR_TOPICS[(i + seed) % len(catalog.WEBINAR_TOPICS)]
        key = month + dt.timedelta(days=rng.randint(9, 24))
        vertical = "Cold chain" in topic or "Water" in topic
        add(
            f"Webinar: {topic} ({label})",
            Channel.WEBINAR,
            key - dt.timedelta(days=21),
            35,
            key,
            objective=Objective.NEW_VERTICAL if vertical else Objective.LEAD_GENERATION,
            budget=money(2500, 6000),
            weight=2,
            message=f"Live session: {topic.lower()}.",
        )
        if i % 2 == 0:
            theme = catalog.SOCIAL_THEMES[(i // 2 + seed) % len(catalog.SOCIAL_THEMES)]
            add(
                f"LinkedIn: {theme} ({label})",
                Channel.PAID_SOCIAL,
                month + dt.timedelta(days=rng.randint(0, 10)),
                42,
                budget=money(8000, 18000),
                weight=3,
                message=theme + ".",
            )
        if i % 3 == 1:
            title = catalog.CONTENT_TITLES[(i // 3 + seed) % len(catalog.CONTENT_TITLES)]
            add(
                f"Guide: {title} ({label})",
                Channel.CONTENT,
                month + dt.timedelta(days=rng.randint(0, 20)),
                120,
                budget=money(3000, 8000),
                weight=2,
                message=f"Download {title.lower()}.",
            )
            nurture = catalog.NURTURE_TOPICS[(i // 3 + seed) % len(catalog.NURTURE_TOPICS)]
            add(
                f"Nurture: {nurture} ({label})",
                Channel.EMAIL,
                month,
                90,
                budget=money(800, 2000),
                weight=1,
                message=f"Six emails for {nurture.lower()}.",
            )
        if month.month in catalog.TRADE_FAIRS:
            fair = f"{catalog.TRADE_FAIRS[month.month]} {month.year}"
            key = month + dt.timedelta(days=rng.randint(5, 20))
            add(
                fair,
                Channel.EVENTS,
                key - dt.timedelta(days=30),
                40,
                key,
                budget=money(25000, 60000),
                weight=4,
                message=f"Meet us at {fair}.",
            )
        if i % 6 == 3:
            partner = catalog.PARTNERS[(i // 6 + seed) % len(catalog.PARTNERS)]
            add(
                f"Partner webinar with {partner} ({label})",
                Channel.PARTNER,
                month,
                60,
                budget=money(3000, 6000),
                weight=1.5,
            )
        if month.month == 10:
            key = month + dt.timedelta(days=rng.randint(10, 20))
            add(
                f"Kestrel user conference {month.year}",
                Channel.EVENTS,
                key - dt.timedelta(days=45),
                50,
                key,
                objective=Objective.RETENTION,
                budget=money(30000, 50000),
                weight=1,
                owner="maria",
            )
        if i == months // 3 or i == months - 4:
            add(
                f"We're hiring: field service engineers ({label})",
                Channel.ORGANIC_SOCIAL,
                month,
                60,
                objective=Objective.RECRUITING,
                budget=money(1500, 3000),
                weight=1,
            )
    for share, story in zip((0.2, 0.5, 0.8), catalog.PRESS_STORIES, strict=False):
        month = _month_first(today, months - 1 - int(months * share))
        launch = "launches" in story
        add(
            f"Press: {story}",
            Channel.PR,
            month + dt.timedelta(days=rng.randint(0, 15)),
            30,
            objective=Objective.PRODUCT_LAUNCH if launch else Objective.LEAD_GENERATION,
            budget=money(2000, 5000),
            weight=1,
        )
        if launch:
            add(
                f"Launch: Edge Gateway 3 ({month.strftime('%b %Y')})",
                Channel.PAID_SOCIAL,
                month,
                60,
                objective=Objective.PRODUCT_LAUNCH,
                budget=money(20000, 30000),
                weight=3,
                message="Edge Gateway 3: twice the sensors, half the power.",
            )
    month = _month_first(today, max(0, months - 1 - int(months * 0.65)))
    add(
        f"Cold chain for food & beverage ({month.strftime('%b %Y')})",
        Channel.CONTENT,
        month,
        120,
        objective=Objective.NEW_VERTICAL,
        budget=money(6000, 12000),
        weight=2,
        message="Temperature logs auditors accept, without clipboards.",
    )
    return plans


def campaigns_ensure(plans: list[CampaignPlan], users: dict[str, User]) -> list[Campaign]:
    """The planned campaigns, created the first time (matched by their utm_campaign slug)."""
    slugs = [slugify(p.name)[:100] for p in plans]
    existing = {c.utm_campaign: c for c in Campaign.objects.filter(utm_campaign__in=slugs)}
    missing = [
        Campaign(
            name=p.name,
            channel=p.channel,
            objective=p.objective,
            utm_campaign=slug,
            message=p.message,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            budget=p.budget,
            owner=users[p.owner],
        )
        for p, slug in zip(plans, slugs, strict=True)
        if slug not in existing
    ]
    created = Campaign.objects.bulk_create(missing)
    for campaign, plan in zip(
        created, [p for p, s in zip(plans, slugs, strict=True) if s not in existing], strict=True
    ):
        # Planned two weeks ahead of its start (created_at is auto_now_add, so set it after).
        made = dt.datetime.combine(
            plan.starts_on - dt.timedelta(days=14), dt.time(9), tzinfo=dt.UTC
        )
        Campaign.objects.filter(pk=campaign.pk).update(created_at=min(made, _now()))
        existing[campaign.utm_campaign] = campaign
    return [existing[s] for s in slugs]


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def forms_ensure(campaigns: dict[str, Campaign]) -> dict[str, LeadForm]:
    """The public lead forms; ``demo`` is credited to always-on search."""
    forms = {f.slug: f for f in LeadForm.objects.filter(slug__in=[f[0] for f in FORMS])}
    for slug, name, headline, campaign_key in FORMS:
        if slug not in forms:
            forms[slug] = LeadForm.objects.create(
                slug=slug,
                name=name,
                headline=headline,
                campaign=campaigns.get(campaign_key),
            )
    return forms


def world_build(*, seed: int, contacts: int, months: int, now: dt.datetime) -> World:
    """Make (or find) the fixed records and return the world the chunks are simulated in."""
    users = staff_ensure()
    scale = max(0.25, contacts / 3000)
    plans = campaign_plans(seed=seed, months=months, today=now.date(), scale=scale)
    campaigns = campaigns_ensure(plans, users)
    named = {"search": campaigns[0], "newsletter": campaigns[1]}
    forms = forms_ensure(named)
    pipeline = pipeline_default()
    stages = list(pipeline.stages.all())
    opened = [s.pk for s in stages if s.outcome == PipelineStage.Outcome.OPEN]
    won = next(s.pk for s in stages if s.outcome == PipelineStage.Outcome.WON)
    lost = next(s.pk for s in stages if s.outcome == PipelineStage.Outcome.LOST)
    if len(opened) < 3:
        raise RuntimeError("the default pipeline needs three open stages for the demo")
    now_ts = int(now.timestamp())
    start = dt.datetime.combine(_month_first(now.date(), months - 1), dt.time.min, tzinfo=dt.UTC)
    infos = []
    for plan, campaign in zip(plans, campaigns, strict=True):
        source, medium = CHANNEL_UTM.get(campaign.channel, ("", ""))
        begin = dt.datetime.combine(campaign.starts_on or plan.starts_on, dt.time(8), tzinfo=dt.UTC)
        end = (
            dt.datetime.combine(campaign.ends_on, dt.time(20), tzinfo=dt.UTC)
            if campaign.ends_on
            else now
        )
        key = dt.datetime.combine(plan.key, dt.time(10), tzinfo=dt.UTC)
        infos.append(
            CampaignInfo(
                id=campaign.pk,
                name=campaign.name,
                channel=campaign.channel,
                objective=campaign.objective,
                utm_campaign=campaign.utm_campaign,
                start=int(begin.timestamp()),
                end=int(end.timestamp()),
                key=int(key.timestamp()),
                weight=plan.weight,
                utm_source=source,
                utm_medium=medium,
            )
        )
    by_id = {info.id: info for info in infos}
    world = World(
        seed=seed,
        contacts=contacts,
        start=int(start.timestamp()),
        now=now_ts,
        staff=_staff({name: user.pk for name, user in users.items()}),
        campaigns=infos,
        forms={
            slug: FormInfo(
                id=f.pk,
                slug=slug,
                name=f.name,
                consent_wording=f.consent_wording,
                campaign=by_id.get(f.campaign_id) if f.campaign_id else None,
            )
            for slug, f in forms.items()
        },
        stages=Stages(
            pipeline=pipeline.pk,
            discovery=opened[0],
            proposal=opened[1],
            negotiation=opened[-1],
            won=won,
            lost=lost,
        ),
    )
    world.newsletter = infos[1]
    world.customer_newsletter = infos[2]
    return world


def world_placeholder(*, seed: int, contacts: int) -> World:
    """A world good enough to lay out chunks (names and emails) without touching the database."""
    return World(
        seed=seed,
        contacts=contacts,
        start=0,
        now=DAY,
        staff=staff_placeholder(),
        campaigns=[],
        forms={},
        stages=Stages(0, 0, 0, 0, 0, 0),
    )
