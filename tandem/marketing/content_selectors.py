"""Queries on the content library: what fits a deal, and which content was used in won and
lost deals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from tandem.access import policies
from tandem.marketing.content import TAG_FIELDS
from tandem.marketing.models import ContentAsset, ContentShare
from tandem.people.models import Contact
from tandem.sales.models import Deal, PipelineStage


@dataclass(frozen=True)
class AssetFilter:
    """What the library is filtered by: the library page, the deal panel's search and any
    other door read the same query parameters (``q``, ``kind``, ``stage``, ``persona``,
    ``vertical``, ``product``)."""

    search: str = ""
    kind: str = ""
    stage: str = ""
    persona: str = ""
    vertical: str = ""
    product: str = ""

    @classmethod
    def from_query(cls, query: Any) -> AssetFilter:
        def read(name: str) -> str:
            return str(query.get(name, "") or "").strip()[:100]

        return cls(
            search=read("q"),
            kind=read("kind"),
            stage=read("stage"),
            persona=read("persona"),
            vertical=read("vertical"),
            product=read("product"),
        )

    def as_query(self) -> dict[str, str]:
        """The non-empty parameters, by their query names."""
        values = {
            "q": self.search,
            "kind": self.kind,
            "stage": self.stage,
            "persona": self.persona,
            "vertical": self.vertical,
            "product": self.product,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def by_tag(self) -> dict[str, str]:
        """The tag filters asked for, by the asset's tag field."""
        tags = {
            "stages": self.stage,
            "personas": self.persona,
            "verticals": self.vertical,
            "products": self.product,
        }
        return {field: value for field, value in tags.items() if value}


# An asset with no tag for these fits any value; one with no product is for no product.
FITS_ANY_WHEN_UNTAGGED = frozenset({"stages", "personas", "verticals"})


def _matches(tags: list[str], field: str, value: str) -> bool:
    fits = _fits(tags, value)
    return fits is True or (fits is None and field in FITS_ANY_WHEN_UNTAGGED)


def assets_for_user(
    *, user: Any, kind: str = "", search: str = "", filters: AssetFilter | None = None
) -> QuerySet[ContentAsset]:
    """The assets ``user`` may see, filtered by kind, text and tags (stage, persona, vertical,
    product; case-insensitive, and an asset untagged by stage, persona or vertical fits any),
    with their share and view counts, by title."""
    filters = filters or AssetFilter(kind=kind, search=search)
    assets = policies.visible(user, "content_asset", ContentAsset.objects.select_related("owner"))
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    if filters.search:
        assets = assets.filter(
            Q(title__icontains=filters.search) | Q(description__icontains=filters.search)
        )
    wanted = filters.by_tag
    if wanted:
        # Tags are free-text lists matched without regard to case, in Python as in
        # ``assets_for_deal`` (JSON containment is case-sensitive and not on SQLite).
        ids = []
        for pk, *tags in assets.values_list("pk", *TAG_FIELDS):
            by_field = dict(zip(TAG_FIELDS, tags, strict=True))
            if all(_matches(by_field[f] or [], f, v) for f, v in wanted.items()):
                ids.append(pk)
        assets = assets.filter(pk__in=ids)
    return assets.annotate(
        share_count=Count("shares", distinct=True), view_total=Sum("shares__view_count")
    ).order_by("title")


def asset_tag_choices(*, user: Any) -> dict[str, list[str]]:
    """Every tag in use on the assets ``user`` may see, by tag field, for the filters."""
    seen: dict[str, dict[str, str]] = {f: {} for f in TAG_FIELDS}
    rows = policies.visible(user, "content_asset", ContentAsset.objects.all()).values_list(
        *TAG_FIELDS
    )
    for tags in rows:
        for field, values in zip(TAG_FIELDS, tags, strict=True):
            for value in values or []:
                seen[field].setdefault(value.lower(), value)
    return {f: sorted(v.values(), key=str.lower) for f, v in seen.items()}


def asset_get_for_user(*, user: Any, asset_id: int) -> ContentAsset:
    return policies.get_visible(user, "content_asset", ContentAsset.objects.all(), asset_id)


def _fits(tags: list[str], value: str) -> bool | None:
    """True when tagged for ``value``, None when untagged (fits anything), False otherwise."""
    if not tags:
        return None
    return value.lower() in {t.lower() for t in tags}


def assets_for_deal(*, user: Any, deal: Deal, limit: int = 8) -> list[ContentAsset]:
    """Assets that fit the deal's stage and its account's industry, the most specific first.

    An asset tagged for other stages or other industries is left out; an untagged one fits
    anywhere. Tags are free text kept as lists, so they are matched here rather than in SQL
    (a library holds hundreds of assets, not millions).
    """
    stage = deal.stage.name
    industry = deal.account.industry if deal.account_id and deal.account else ""
    ranked = []
    for asset in policies.visible(user, "content_asset", ContentAsset.objects.all()):
        by_stage = _fits(asset.stages, stage)
        by_vertical = _fits(asset.verticals, industry) if industry else None
        if by_stage is False or by_vertical is False:
            continue
        ranked.append((-(bool(by_stage) + bool(by_vertical)), asset.title.lower(), asset))
    return [a for *_, a in sorted(ranked, key=lambda r: (r[0], r[1]))][:limit]


def deal_share_contacts(*, deal: Deal, limit: int = 20) -> list[Contact]:
    """The people an asset can be shared with from ``deal``: its contact, then its account's
    contacts by last name."""
    contacts = [deal.contact] if deal.contact_id and deal.contact else []
    if deal.account_id:
        contacts += [
            c
            for c in Contact.objects.filter(account_id=deal.account_id)
            .exclude(pk=deal.contact_id or 0)
            .order_by("last_name", "pk")[:limit]
        ]
    return contacts


@dataclass(frozen=True)
class ShareTarget:
    deal: Deal
    contacts: list[Contact]


def share_targets_for_user(*, user: Any, limit: int = 100) -> list[ShareTarget]:
    """The open deals ``user`` can see, each with the contacts an asset can go to from it
    (for sharing from an asset's page), by deal name; two queries."""
    deals = list(
        policies.visible(user, "deal", Deal.objects.select_related("contact"))
        .filter(still_open=True)
        .order_by("name", "pk")[:limit]
    )
    by_account: dict[int, list[Contact]] = {}
    account_ids = {d.account_id for d in deals if d.account_id}
    for contact in Contact.objects.filter(account_id__in=account_ids).order_by("last_name", "pk"):
        by_account.setdefault(contact.account_id or 0, []).append(contact)
    targets = []
    for deal in deals:
        contacts = [deal.contact] if deal.contact else []
        contacts += [c for c in by_account.get(deal.account_id or 0, []) if c.pk != deal.contact_id]
        if contacts:
            targets.append(ShareTarget(deal=deal, contacts=contacts[:20]))
    return targets


@dataclass(frozen=True)
class ContentOutcome:
    asset_id: int
    title: str
    kind: str
    won_deals: int
    lost_deals: int
    open_deals: int
    views: int


def content_in_won_vs_lost() -> list[ContentOutcome]:
    """Per asset: the deals its shares may have helped, counted by outcome, and how often its
    links were opened.

    A share counts toward a deal it was shared from and toward the deals of the contact or of
    the contact's account, but only those open when it was shared (opened at or before, not
    closed by then): content sent after a deal was decided, or before it existed, did not
    help decide it. A deal counts once per asset however many shares reached it.
    """
    rows: dict[int, dict[str, Any]] = {}
    shares = ContentShare.objects.values("asset_id", "asset__title", "asset__kind")
    for asset_id, title, kind, opened in shares.annotate(opened=Sum("view_count")).values_list(
        "asset_id", "asset__title", "asset__kind", "opened"
    ):
        row = rows.setdefault(asset_id, {"title": title, "kind": kind, "views": 0, "deals": {}})
        row["views"] += opened or 0
    share_rows = list(
        ContentShare.objects.values_list(
            "asset_id", "deal_id", "contact_id", "contact__account_id", "shared_at"
        )
    )
    # Only deals some share could reach: from the share, of its contact, of their account.
    deals = Deal.objects.filter(
        Q(pk__in=ContentShare.objects.filter(deal__isnull=False).values("deal_id"))
        | Q(contact_id__in=ContentShare.objects.values("contact_id"))
        | Q(
            account_id__in=ContentShare.objects.filter(contact__account__isnull=False).values(
                "contact__account_id"
            )
        )
    ).values_list("pk", "contact_id", "account_id", "created_at", "closed_at", "stage__outcome")
    by_id: dict[int, tuple[Any, Any, str]] = {}
    by_contact: dict[int, list[int]] = {}
    by_account: dict[int, list[int]] = {}
    for deal_id, contact_id, account_id, created_at, closed_at, outcome in deals:
        by_id[deal_id] = (created_at, closed_at, outcome)
        if contact_id:
            by_contact.setdefault(contact_id, []).append(deal_id)
        if account_id:
            by_account.setdefault(account_id, []).append(deal_id)
    for asset_id, deal_id, contact_id, account_id, shared_at in share_rows:
        reached = {deal_id} if deal_id else set()
        reached.update(by_contact.get(contact_id, ()))
        reached.update(by_account.get(account_id, ()) if account_id else ())
        for reached_id in reached:
            if reached_id not in by_id:
                continue
            created_at, closed_at, outcome = by_id[reached_id]
            if created_at <= shared_at and (closed_at is None or closed_at > shared_at):
                rows[asset_id]["deals"][reached_id] = outcome
    result = []
    for asset_id, row in rows.items():
        counted = list(row["deals"].values())
        result.append(
            ContentOutcome(
                asset_id=asset_id,
                title=row["title"],
                kind=row["kind"],
                won_deals=counted.count(PipelineStage.Outcome.WON),
                lost_deals=counted.count(PipelineStage.Outcome.LOST),
                open_deals=counted.count(PipelineStage.Outcome.OPEN),
                views=row["views"],
            )
        )
    return sorted(result, key=lambda r: (-r.won_deals, r.lost_deals, r.title))
