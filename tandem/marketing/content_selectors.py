"""Queries on the content library: what fits a deal, and which content was used in won and
lost deals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from tandem.access import policies
from tandem.marketing.models import ContentAsset, ContentShare
from tandem.sales.models import Deal, PipelineStage


def assets_for_user(*, user: Any, kind: str = "", search: str = "") -> QuerySet[ContentAsset]:
    assets = policies.visible(user, "content_asset", ContentAsset.objects.select_related("owner"))
    if kind:
        assets = assets.filter(kind=kind)
    if search:
        assets = assets.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return assets.annotate(
        share_count=Count("shares", distinct=True), view_total=Sum("shares__view_count")
    ).order_by("title")


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
    """Per asset: the deals it was shared in (from the deal, or to a contact of the deal),
    counted by outcome, and how often its links were opened."""
    rows: dict[int, dict[str, Any]] = {}
    shares = ContentShare.objects.values("asset_id", "asset__title", "asset__kind")
    for asset_id, title, kind, opened in shares.annotate(opened=Sum("view_count")).values_list(
        "asset_id", "asset__title", "asset__kind", "opened"
    ):
        row = rows.setdefault(asset_id, {"title": title, "kind": kind, "views": 0, "deals": {}})
        row["views"] += opened or 0
    pairs = set(
        ContentShare.objects.filter(deal__isnull=False).values_list("asset_id", "deal_id")
    ) | set(
        ContentShare.objects.filter(contact__deals__isnull=False).values_list(
            "asset_id", "contact__deals"
        )
    )
    outcomes = dict(
        Deal.objects.filter(pk__in={d for _, d in pairs}).values_list("pk", "stage__outcome")
    )
    for asset_id, deal_id in pairs:
        rows[asset_id]["deals"][deal_id] = outcomes.get(deal_id)
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
