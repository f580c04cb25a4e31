"""The numbers on the three homes: marketing's crowd metrics, sales' buyer metrics, shared ones.

Every figure is one grouped query; pages never loop over records to count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth

from tandem.access import policies
from tandem.access.roles import MARKETING_ROLES, Role
from tandem.core.periods import Period
from tandem.handoff.models import Lead, RejectionReason
from tandem.marketing.models import Campaign
from tandem.people.lifecycle import Stage
from tandem.people.models import AudienceType, LifecycleMove, Sentiment, Touch
from tandem.sales.models import Deal, Pipeline, PipelineStage

WON, LOST, OPEN = (
    PipelineStage.Outcome.WON,
    PipelineStage.Outcome.LOST,
    PipelineStage.Outcome.OPEN,
)


@dataclass
class CampaignRow:
    campaign_id: int | None
    name: str
    channel: str
    leads: int = 0
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    won_revenue: Decimal = Decimal(0)
    rejection_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def campaign_results(period: Period) -> list[CampaignRow]:
    """Leads, MQLs, sales' answers and won revenue per campaign in the period."""
    names = {c.pk: c for c in Campaign.objects.all()}
    rows: dict[int | None, CampaignRow] = {}

    def row(campaign_id: int | None) -> CampaignRow:
        if campaign_id not in rows:
            c = names.get(campaign_id) if campaign_id else None
            rows[campaign_id] = CampaignRow(
                campaign_id=campaign_id,
                name=c.name if c else "No campaign",
                channel=c.get_channel_display() if c else "—",
            )
        return rows[campaign_id]

    moves = (
        LifecycleMove.objects.filter(
            moved_at__gte=period.start,
            moved_at__lte=period.end,
            to_stage__in=[Stage.LEAD, Stage.MQL],
        )
        .values("campaign_id", "to_stage")
        .annotate(n=Count("id"))
    )
    for m in moves:
        r = row(m["campaign_id"])
        if m["to_stage"] == Stage.LEAD:
            r.leads = m["n"]
        else:
            r.mqls = m["n"]
    decided = (
        Lead.objects.filter(decided_at__gte=period.start, decided_at__lte=period.end)
        .values("campaign_id", "status", "rejection_reason")
        .annotate(n=Count("id"))
    )
    for d in decided:
        r = row(d["campaign_id"])
        if d["status"] == Lead.Status.ACCEPTED:
            r.accepted += d["n"]
        elif d["status"] == Lead.Status.REJECTED:
            r.rejected += d["n"]
            label = RejectionReason(d["rejection_reason"]).label
            r.rejection_reasons[label] = r.rejection_reasons.get(label, 0) + d["n"]
    won = (
        Deal.objects.filter(
            stage__outcome=WON, closed_at__gte=period.start, closed_at__lte=period.end
        )
        .values("source_campaign_id")
        .annotate(revenue=Sum("amount"))
    )
    for w in won:
        row(w["source_campaign_id"]).won_revenue = w["revenue"] or Decimal(0)
    return sorted(rows.values(), key=lambda r: (-r.mqls, -r.leads, r.name))


def rejection_reasons(period: Period) -> list[tuple[str, int]]:
    counts = (
        Lead.objects.filter(
            status=Lead.Status.REJECTED, decided_at__gte=period.start, decided_at__lte=period.end
        )
        .values("rejection_reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return [(RejectionReason(c["rejection_reason"]).label, c["n"]) for c in counts]


@dataclass(frozen=True)
class SharedNumbers:
    """Exactly the numbers both teams agree to share: qualified leads, close rate, revenue."""

    mqls: int
    accepted: int
    rejected: int
    won: int
    lost: int
    revenue: Decimal
    waiting: int

    @property
    def close_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def shared_numbers(period: Period) -> SharedNumbers:
    in_period = {"decided_at__gte": period.start, "decided_at__lte": period.end}
    mqls = LifecycleMove.objects.filter(
        to_stage=Stage.MQL, moved_at__gte=period.start, moved_at__lte=period.end
    ).count()
    answers = Lead.objects.aggregate(
        accepted=Count("id", filter=Q(status=Lead.Status.ACCEPTED, **in_period)),
        rejected=Count("id", filter=Q(status=Lead.Status.REJECTED, **in_period)),
        waiting=Count("id", filter=Q(status=Lead.Status.WAITING)),
    )
    closed = Deal.objects.filter(closed_at__gte=period.start, closed_at__lte=period.end)
    outcome = closed.aggregate(
        won=Count("id", filter=Q(stage__outcome=WON)),
        lost=Count("id", filter=Q(stage__outcome=LOST)),
        revenue=Sum("amount", filter=Q(stage__outcome=WON)),
    )
    return SharedNumbers(
        mqls=mqls,
        accepted=answers["accepted"],
        rejected=answers["rejected"],
        waiting=answers["waiting"],
        won=outcome["won"],
        lost=outcome["lost"],
        revenue=outcome["revenue"] or Decimal(0),
    )


@dataclass(frozen=True)
class StageColumn:
    stage: PipelineStage
    deals: list[Deal]
    count: int
    amount: Decimal
    weighted: Decimal

    @property
    def hidden(self) -> int:
        """Deals in the stage beyond the ones shown on the board."""
        return self.count - len(self.deals)


def pipeline_board(
    *, user: Any, pipeline: Pipeline, limit_per_stage: int = 12
) -> list[StageColumn]:
    """Open deals the user may see, by stage of ``pipeline`` (the home shows the default)."""
    stages = list(pipeline.stages.filter(outcome=OPEN))
    deals = policies.visible(
        user,
        "deal",
        Deal.objects.filter(pipeline=pipeline, stage__outcome=OPEN).select_related(
            "account", "owner", "contact"
        ),
    )
    totals = {
        t["stage_id"]: t
        for t in deals.values("stage_id").annotate(amount=Sum("amount"), n=Count("id"))
    }
    columns = []
    for stage in stages:
        stage_deals = list(deals.filter(stage=stage).order_by("-amount")[:limit_per_stage])
        amount = (totals.get(stage.pk) or {}).get("amount") or Decimal(0)
        columns.append(
            StageColumn(
                stage=stage,
                deals=stage_deals,
                count=(totals.get(stage.pk) or {}).get("n") or 0,
                amount=amount,
                weighted=(amount * stage.probability / 100).quantize(Decimal("0.01")),
            )
        )
    return columns


@dataclass(frozen=True)
class SalesNumbers:
    won: int
    lost: int
    revenue: Decimal
    new_customers: int
    open_deals: int
    open_amount: Decimal
    days_to_win: float | None

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None

    @property
    def average_deal(self) -> Decimal | None:
        return (self.revenue / self.won).quantize(Decimal("1")) if self.won else None


def sales_numbers(*, user: Any, period: Period) -> SalesNumbers:
    """The rep's (or manager's team's) numbers on the sales clock."""
    deals = policies.visible(user, "deal", Deal.objects.all())
    closed = deals.filter(closed_at__gte=period.start, closed_at__lte=period.end)
    outcome = closed.aggregate(
        won=Count("id", filter=Q(stage__outcome=WON)),
        lost=Count("id", filter=Q(stage__outcome=LOST)),
        revenue=Sum("amount", filter=Q(stage__outcome=WON)),
        new_customers=Count("id", filter=Q(stage__outcome=WON, is_repeat_purchase=False)),
    )
    open_ = deals.filter(stage__outcome=OPEN).aggregate(n=Count("id"), amount=Sum("amount"))
    time_to_win = closed.filter(stage__outcome=WON).aggregate(
        average=Avg(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
        )
    )["average"]
    return SalesNumbers(
        won=outcome["won"],
        lost=outcome["lost"],
        revenue=outcome["revenue"] or Decimal(0),
        new_customers=outcome["new_customers"],
        open_deals=open_["n"],
        open_amount=open_["amount"] or Decimal(0),
        days_to_win=time_to_win.total_seconds() / 86400 if time_to_win is not None else None,
    )


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    mqls: int
    accepted: int
    won: int
    revenue: Decimal


def monthly_trend(period: Period) -> list[MonthRow]:
    """MQLs handed off, leads accepted, deals won and revenue per calendar month of the period."""

    def by_month(qs, field: str, **aggregates) -> dict[str, dict]:
        rows = (
            qs.annotate(month=TruncMonth(field))
            .values("month")
            .annotate(**aggregates)
            .order_by("month")
        )
        return {r["month"].strftime("%Y-%m"): r for r in rows}

    mqls = by_month(
        LifecycleMove.objects.filter(
            to_stage=Stage.MQL, moved_at__gte=period.start, moved_at__lte=period.end
        ),
        "moved_at",
        n=Count("id"),
    )
    accepted = by_month(
        Lead.objects.filter(
            status=Lead.Status.ACCEPTED, decided_at__gte=period.start, decided_at__lte=period.end
        ),
        "decided_at",
        n=Count("id"),
    )
    won = by_month(
        Deal.objects.filter(
            stage__outcome=WON, closed_at__gte=period.start, closed_at__lte=period.end
        ),
        "closed_at",
        n=Count("id"),
        revenue=Sum("amount"),
    )
    months = sorted(set(mqls) | set(accepted) | set(won))
    return [
        MonthRow(
            month=m,
            mqls=mqls.get(m, {}).get("n", 0),
            accepted=accepted.get(m, {}).get("n", 0),
            won=won.get(m, {}).get("n", 0),
            revenue=won.get(m, {}).get("revenue") or Decimal(0),
        )
        for m in months
    ]


@dataclass(frozen=True)
class SentimentRow:
    audience: str
    positive: int
    neutral: int
    negative: int

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


@dataclass(frozen=True)
class EveryoneTouches:
    """Everyone is a marketer: touches logged outside marketing, and how customers felt."""

    by_role: list[tuple[str, int]]
    sentiment_by_audience: list[SentimentRow]

    @property
    def outside_marketing(self) -> int:
        return sum(n for _, n in self.by_role)


def everyone_touches(period: Period) -> EveryoneTouches:
    """Touches logged by people outside marketing per role, and sentiment per audience type.

    A contact may belong to several audience types, so one touch can count in several rows.
    """
    touches = Touch.objects.filter(occurred_at__range=(period.start, period.end))
    labels = dict(Role.choices)
    by_role = [
        (labels.get(row["recorded_by__role"], row["recorded_by__role"]), row["n"])
        for row in touches.filter(recorded_by__isnull=False)
        .exclude(recorded_by__role__in=MARKETING_ROLES)
        .values("recorded_by__role")
        .annotate(n=Count("id"))
        .order_by("-n", "recorded_by__role")
    ]
    felt = touches.exclude(sentiment="").annotate(
        **{
            f"is_{a.name.lower()}": F("contact__audience_flags").bitand(a.value)
            for a in AudienceType
        }
    )
    counts = felt.aggregate(
        **{
            f"{a.name.lower()}_{s}": Count(
                "id", filter=Q(**{f"is_{a.name.lower()}__gt": 0, "sentiment": s})
            )
            for a in AudienceType
            for s in Sentiment.values
        }
    )
    rows = [
        SentimentRow(
            audience=a.label,
            positive=counts[f"{a.name.lower()}_positive"],
            neutral=counts[f"{a.name.lower()}_neutral"],
            negative=counts[f"{a.name.lower()}_negative"],
        )
        for a in AudienceType
    ]
    return EveryoneTouches(by_role=by_role, sentiment_by_audience=[r for r in rows if r.total])
