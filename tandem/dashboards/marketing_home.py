"""The marketing home's crowd metrics over a long window: audience growth by type, reach and
engagement by channel and by segment, leads and MQLs per month, and cost per lead.

Each figure is one grouped query over the window; nothing loops over contacts or touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from tandem.core.periods import Period
from tandem.marketing.models import SpendLine
from tandem.marketing.selectors import ENGAGED_KINDS
from tandem.people.lifecycle import Stage
from tandem.people.models import AudienceType, Channel, Contact, LifecycleMove, Touch
from tandem.segments.models import Segment


def _month(value: Any) -> str:
    return f"{value:%Y-%m}" if value else ""


def audience_growth(period: Period) -> list[dict[str, Any]]:
    """New contacts per month by audience type (a contact of two types counts in both)."""
    rows = (
        Contact.objects.filter(created_at__gte=period.start, created_at__lte=period.end)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "audience_flags")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        for audience in AudienceType:
            if r["audience_flags"] & audience.value:
                key = (_month(r["month"]), audience.label)
                counts[key] = counts.get(key, 0) + r["n"]
    return [
        {"month": month, "measure": label, "count": n}
        for (month, label), n in sorted(counts.items())
    ]


@dataclass(frozen=True)
class ReachRow:
    name: str
    reach: int
    engagement: int


def reach_by_channel(period: Period) -> list[ReachRow]:
    rows = (
        Touch.objects.filter(occurred_at__gte=period.start, occurred_at__lte=period.end)
        .values("channel")
        .annotate(
            reach=Count("contact_id", distinct=True),
            engagement=Count("id", filter=Q(kind__in=ENGAGED_KINDS)),
        )
        .order_by()
    )
    labels = dict(Channel.choices)
    return sorted(
        (
            ReachRow(labels.get(r["channel"], r["channel"]), r["reach"], r["engagement"])
            for r in rows
        ),
        key=lambda r: (-r.reach, r.name),
    )


def reach_by_segment(period: Period, *, limit: int = 12) -> list[ReachRow]:
    """Reach and engagement among each segment's current members (the largest segments)."""
    segments = dict(
        Segment.objects.order_by("-member_count", "name").values_list("pk", "name")[:limit]
    )
    if not segments:
        return []
    rows = (
        Touch.objects.filter(
            occurred_at__gte=period.start,
            occurred_at__lte=period.end,
            contact__segment_memberships__segment_id__in=list(segments),
        )
        .values("contact__segment_memberships__segment_id")
        .annotate(
            reach=Count("contact_id", distinct=True),
            engagement=Count("id", filter=Q(kind__in=ENGAGED_KINDS)),
        )
        .order_by()
    )
    found: dict[int, dict[str, Any]] = {
        r["contact__segment_memberships__segment_id"]: dict(r) for r in rows
    }
    return [
        ReachRow(name, found.get(pk, {}).get("reach", 0), found.get(pk, {}).get("engagement", 0))
        for pk, name in segments.items()
    ]


def leads_by_month(period: Period) -> list[dict[str, Any]]:
    rows = (
        LifecycleMove.objects.filter(
            moved_at__gte=period.start,
            moved_at__lte=period.end,
            to_stage__in=[Stage.LEAD, Stage.MQL],
        )
        .annotate(month=TruncMonth("moved_at"))
        .values("month", "to_stage")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    labels: dict[str, str] = {Stage.LEAD: "Leads", Stage.MQL: "MQLs"}
    return [
        {"month": _month(r["month"]), "measure": labels[r["to_stage"]], "count": r["n"]}
        for r in rows
    ]


@dataclass(frozen=True)
class CostPerLead:
    spent: Decimal
    leads: int

    @property
    def value(self) -> Decimal | None:
        return (self.spent / self.leads).quantize(Decimal("0.01")) if self.leads else None


def cost_per_lead(period: Period) -> CostPerLead:
    """Spend dated in the window over the leads made in it (any campaign)."""
    spent = SpendLine.objects.filter(
        spent_on__gte=period.start.date(), spent_on__lte=period.end.date()
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    leads = LifecycleMove.objects.filter(
        moved_at__gte=period.start, moved_at__lte=period.end, to_stage=Stage.LEAD
    ).count()
    return CostPerLead(spent=spent, leads=leads)
