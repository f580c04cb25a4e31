"""Demo records of the marketing workspace: spend lines, offers and tracked links on the
demo's campaigns, a form with custom fields, anonymous web visits, and a content library whose
assets were shared in deals (and opened)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils.text import slugify

from tandem.demo.extras.context import DemoContext
from tandem.marketing import campaign_services
from tandem.marketing import forms as form_defs
from tandem.marketing.models import (
    AssetKind,
    Campaign,
    ContentAsset,
    ContentShare,
    ContentView,
    LeadForm,
    Objective,
    SpendLine,
    TrackedLink,
    Visit,
)
from tandem.people.models import Account, Channel, Touch, TouchKind
from tandem.sales.models import Deal, PipelineStage
from tandem.segments.models import Segment

SITE = "https://kestrel-iot.example"
PAGES = (
    "/",
    "/pricing",
    "/platform",
    "/case-studies",
    "/blog/predictive-maintenance",
    "/blog/energy-monitoring",
    "/webinars",
    "/contact",
)
SOURCES: dict[str, tuple[str, str]] = {
    Channel.SEARCH: ("google", "cpc"),
    Channel.EMAIL: ("newsletter", "email"),
    Channel.PAID_SOCIAL: ("linkedin", "paid_social"),
    Channel.EVENTS: ("fair", "event"),
    Channel.WEBINAR: ("webinar", "webinar"),
    Channel.CONTENT: ("blog", "content"),
    Channel.PARTNER: ("partner", "partner"),
    Channel.PR: ("press", "pr"),
}
OFFERS: dict[str, str] = {
    Objective.LEAD_GENERATION: "A free plant assessment with an engineer",
    Objective.PRODUCT_LAUNCH: "Early-access pricing for the first 50 plants",
    Objective.NEW_VERTICAL: "A sector benchmark report",
    Objective.RECRUITING: "Meet the team at an open evening",
    Objective.RETENTION: "A free health check of your installed sensors",
}
AUDIT_FORM = [
    {"name": "email", "label": "Work email", "maps_to": "email", "is_required": True},
    {"name": "first_name", "label": "First name", "maps_to": "first_name"},
    {"name": "last_name", "label": "Last name", "maps_to": "last_name"},
    {"name": "company", "label": "Company", "maps_to": "company", "is_required": True},
    {"name": "title", "label": "Job title", "maps_to": "title"},
    {
        "name": "machines",
        "label": "Machines on the line",
        "maps_to": "custom",
        "kind": "select",
        "options": ["Under 20", "20–100", "Over 100"],
        "is_required": True,
    },
    {
        "name": "pain",
        "label": "What costs you most today?",
        "maps_to": "custom",
        "kind": "textarea",
    },
]
ASSETS: tuple[tuple[str, AssetKind, list[str], list[str], list[str], list[str]], ...] = (
    (
        "Cold chain: 30% less spoilage at a dairy",
        AssetKind.CASE_STUDY,
        ["Discovery", "Proposal"],
        ["Plant manager"],
        ["Food & Beverage"],
        ["Sensors"],
    ),
    (
        "Kestrel vs. building-it-yourself",
        AssetKind.BATTLECARD,
        ["Proposal", "Negotiation"],
        ["IT lead", "CFO"],
        [],
        ["Platform"],
    ),
    (
        "Predictive maintenance in one page",
        AssetKind.ONE_PAGER,
        ["Discovery"],
        ["Maintenance lead"],
        [],
        ["Platform"],
    ),
    (
        "Energy monitoring deck",
        AssetKind.DECK,
        ["Discovery"],
        ["Energy manager"],
        ["Chemicals", "Metals"],
        ["Energy"],
    ),
    (
        "Automotive line uptime story",
        AssetKind.CASE_STUDY,
        ["Proposal"],
        ["Plant manager"],
        ["Automotive"],
        ["Sensors", "Platform"],
    ),
    ("Five-minute platform tour", AssetKind.VIDEO, [], ["Any"], [], ["Platform"]),
    ("Pricing and terms explained", AssetKind.ONE_PAGER, ["Negotiation"], ["CFO", "Buyer"], [], []),
    ("Gateway installation guide", AssetKind.DECK, ["Negotiation"], ["IT lead"], [], ["Gateways"]),
)


def _rng(context: DemoContext, part: str) -> random.Random:
    return random.Random(f"marketing:{part}:{context.seed}:{context.contacts}")


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start.replace(day=1)
    while day <= end:
        days.append(max(day, start))
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return days


def _campaigns(context: DemoContext) -> dict[str, int]:
    rng, today = _rng(context, "campaigns"), context.now.date()
    lines, links = [], []
    industries = list(
        Account.objects.exclude(industry="").values_list("industry", flat=True).distinct()[:20]
    )
    segments = list(Segment.objects.order_by("name")[:6])
    with_spend = set(SpendLine.objects.values_list("campaign_id", flat=True))
    with_links = set(TrackedLink.objects.values_list("campaign_id", flat=True))
    for campaign in Campaign.objects.order_by("id"):
        changed = []
        if not campaign.offer:
            campaign.offer = OFFERS[campaign.objective]
            changed.append("offer")
        if campaign.objective == Objective.NEW_VERTICAL and not campaign.vertical and industries:
            campaign.vertical = rng.choice(industries)
            changed.append("vertical")
        if changed:
            campaign.save(update_fields=changed)
        if segments and not campaign.segments.exists():
            campaign.segments.set(rng.sample(segments, k=min(len(segments), rng.randint(1, 2))))
        if campaign.starts_on and campaign.starts_on <= today and campaign.pk not in with_spend:
            months = _months(campaign.starts_on, min(campaign.ends_on or today, today))
            share = Decimal(str(round(rng.uniform(0.55, 0.95), 2)))
            each = (campaign.budget * share / max(1, len(months))).quantize(Decimal("0.01"))
            for day in months:
                amount = (each * Decimal(str(round(rng.uniform(0.8, 1.2), 2)))).quantize(
                    Decimal("0.01")
                )
                if amount > 0:
                    lines.append(
                        SpendLine(
                            campaign=campaign,
                            spent_on=day,
                            amount=amount,
                            note=rng.choice(
                                (
                                    "Ad platform invoice",
                                    "Agency fee",
                                    "Media",
                                    "Venue and print",
                                    "Sponsored post",
                                )
                            ),
                            recorded_by_id=campaign.owner_id,
                        )
                    )
        if campaign.pk not in with_links:
            source, medium = SOURCES.get(campaign.channel, ("site", "referral"))
            for page, content in ((rng.choice(PAGES[1:5]), "main"), ("/", "alt")):
                destination = SITE + page
                links.append(
                    TrackedLink(
                        campaign=campaign,
                        destination=destination,
                        utm_source=source,
                        utm_medium=medium,
                        utm_content=content,
                        url=campaign_services.link_build(
                            destination=destination,
                            utm_campaign=campaign.utm_campaign,
                            source=source,
                            medium=medium,
                            content=content,
                        ),
                        created_by_id=campaign.owner_id,
                    )
                )
    SpendLine.objects.bulk_create(lines, batch_size=500)
    TrackedLink.objects.bulk_create(links, batch_size=500)
    return {"spend_lines": len(lines), "tracked_links": len(links)}


def _form() -> dict[str, int]:
    if LeadForm.objects.filter(slug="plant-audit").exists():
        return {}
    campaign = Campaign.objects.filter(objective=Objective.LEAD_GENERATION).order_by("id").first()
    LeadForm.objects.create(
        name="Plant assessment request",
        slug="plant-audit",
        headline="Book a free plant assessment",
        fields=form_defs.definition_check(AUDIT_FORM),
        campaign=campaign,
        is_double_opt_in=True,
        consent_wording="Yes, email me about plant assessments and Kestrel news. "
        "I can unsubscribe at any time.",
        owner=campaign.owner if campaign else None,
    )
    return {"lead_forms": 1}


def _visits(context: DemoContext) -> dict[str, int]:
    if Visit.objects.exists():
        return {}
    rng, now = _rng(context, "visits"), context.now
    tags = list(Campaign.objects.values_list("utm_campaign", "channel"))
    visits = []
    for _ in range(max(50, context.contacts // 8)):
        vid = f"demo{rng.getrandbits(96):024x}"
        when = now - dt.timedelta(minutes=rng.randint(10, 90 * 24 * 60))
        utm = ""
        if tags and rng.random() < 0.55:
            tag, channel = rng.choice(tags)
            source, medium = SOURCES.get(channel, ("site", "referral"))
            utm = f"?utm_source={source}&utm_medium={medium}&utm_campaign={tag}"
        for step in range(rng.choice((1, 1, 2, 3, 4))):
            page = PAGES[0] if step == 0 and not utm else rng.choice(PAGES)
            query = utm if step == 0 else ""
            visits.append(
                Visit(
                    visitor_id=vid,
                    url=SITE + page + query,
                    referrer=rng.choice(
                        ("", "https://www.google.com/", "https://www.linkedin.com/")
                    )
                    if step == 0
                    else SITE + "/",
                    utm_source=query and query.split("utm_source=")[1].split("&")[0],
                    utm_medium=query and query.split("utm_medium=")[1].split("&")[0],
                    utm_campaign=query and query.split("utm_campaign=")[1],
                    visited_at=when + dt.timedelta(minutes=3 * step),
                )
            )
    Visit.objects.bulk_create(visits, batch_size=1000)
    return {"web_visits": len(visits)}


def _library() -> tuple[list[ContentAsset], int]:
    """The content library's assets in ``ASSETS`` order, and how many this run added."""
    owner = Campaign.objects.exclude(owner=None).values_list("owner_id", flat=True).first()
    known = {a.title: a for a in ContentAsset.objects.filter(title__in=[a[0] for a in ASSETS])}
    ContentAsset.objects.bulk_create(
        ContentAsset(
            title=title,
            kind=kind,
            description=f"{kind.label} for {', '.join(personas)}.",
            link=f"{SITE}/library/{slugify(title)}",
            stages=stages,
            personas=personas,
            verticals=verticals,
            products=products,
            owner_id=owner,
        )
        for title, kind, stages, personas, verticals, products in ASSETS
        if title not in known
    )
    by_title = {a.title: a for a in ContentAsset.objects.filter(title__in=[a[0] for a in ASSETS])}
    assets = [by_title[a[0]] for a in ASSETS]
    return assets, len(assets) - len(known)


def _share_plans(
    context: DemoContext, rng: random.Random, assets: list[ContentAsset]
) -> list[tuple[Any, Deal, dt.datetime, int]]:
    """Which deals shared which assets, when, and how many times each was viewed."""
    now = context.now
    deals = list(
        Deal.objects.filter(contact__isnull=False)
        .exclude(pk__in=ContentShare.objects.exclude(deal=None).values("deal_id"))
        .select_related("stage")
        .order_by("id")[: min(2_000, max(40, context.contacts // 20))]
    )
    picked = [d for d in deals if rng.random() < 0.6]
    plans: list[tuple[Any, Deal, dt.datetime, int]] = []
    for deal in picked:
        end = deal.closed_at or now
        span = max(60, int((end - deal.created_at).total_seconds()))
        for asset in rng.sample(assets, k=rng.choice((1, 1, 2))):
            # Won deals used the case studies more: the story reports should be able to tell.
            if (
                deal.stage.outcome == PipelineStage.Outcome.LOST
                and asset.kind == AssetKind.CASE_STUDY
                and rng.random() < 0.6
            ):
                continue
            at = deal.created_at + dt.timedelta(seconds=rng.randint(0, span - 1))
            plans.append((asset, deal, at, rng.choice((0, 1, 1, 2, 3))))
    return plans


def _content(context: DemoContext) -> dict[str, int]:
    """The content library, its assets shared in deals (a note touch each) and viewed."""
    # Each part draws from its own stream, so a part skipped on a re-run (its records already
    # there) does not shift what the others draw.
    rng, now = _rng(context, "content"), context.now
    assets, added = _library()
    plans = _share_plans(context, rng, assets)
    touches = Touch.objects.bulk_create(
        [
            Touch(
                contact_id=_contact_of(deal),
                account_id=deal.account_id,
                kind=TouchKind.NOTE,
                channel=Channel.SALES,
                occurred_at=at,
                recorded_by_id=deal.owner_id,
                summary=f"Shared {asset.get_kind_display().lower()} “{asset.title}”",
                created_at=at,
            )
            for asset, deal, at, _ in plans
        ],
        batch_size=500,
    )
    shares = ContentShare.objects.bulk_create(
        [
            ContentShare(
                asset=asset,
                contact_id=_contact_of(deal),
                deal=deal,
                shared_by_id=deal.owner_id,
                shared_at=at,
                touch=touch,
                view_count=views,
                last_viewed_at=min(at + dt.timedelta(hours=views * 7), now) if views else None,
            )
            for (asset, deal, at, views), touch in zip(plans, touches, strict=True)
        ],
        batch_size=500,
    )
    view_rows = [
        (share, deal, share.shared_at + dt.timedelta(hours=7 * (n + 1)))
        for share, (_, deal, _, views) in zip(shares, plans, strict=True)
        for n in range(views)
    ]
    view_touches = Touch.objects.bulk_create(
        [
            Touch(
                contact_id=_contact_of(deal),
                account_id=deal.account_id,
                kind=TouchKind.PAGE_VISIT,
                channel=Channel.CONTENT,
                occurred_at=min(at, now),
                summary=f"Viewed “{share.asset.title}”",
                created_at=min(at, now),
            )
            for share, deal, at in view_rows
        ],
        batch_size=500,
    )
    # created_at is auto_now_add: date the demo's touches as they happened, as the demo does.
    Touch.objects.filter(pk__in=[t.pk for t in (*touches, *view_touches)]).update(
        created_at=F("occurred_at")
    )
    # Scores: the hand-off's extra (order 40) rescores every contact after this one.
    ContentView.objects.bulk_create(
        [
            ContentView(share=share, touch=touch, viewed_at=touch.occurred_at)
            for (share, _, _), touch in zip(view_rows, view_touches, strict=True)
        ],
        batch_size=500,
    )
    return {
        "content_assets": added,
        "content_shares": len(shares),
        "content_views": len(view_rows),
        "touches": len(touches) + len(view_touches),
    }


def _contact_of(deal: Deal) -> int:
    assert deal.contact_id is not None  # the deals were chosen with a contact
    return deal.contact_id


def marketing_workspace(context: DemoContext) -> dict[str, int]:
    """Spend, links, a custom form, visits and a content library, in one pass."""
    written: dict[str, int] = {}
    for part in (_campaigns(context), _form(), _visits(context), _content(context)):
        written.update(part)
    return written
