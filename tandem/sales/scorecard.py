"""Sales' own numbers on the sprint clock: per rep and team, against quota; and the ramp.

Each figure comes from one grouped query per page, never a loop over deals.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    Sum,
)
from django.utils import timezone

from tandem.access import policies
from tandem.access.models import User
from tandem.access.roles import Role
from tandem.core.periods import Period
from tandem.sales.models import Deal, PeriodKind, PipelineStage, Quota

WON, LOST = PipelineStage.Outcome.WON, PipelineStage.Outcome.LOST
RAMP_EXPECTED = (90, 120)  # days in which a new rep or territory is expected to show results


@dataclass
class Scorecard:
    """One rep's (or a team's) figures for a period."""

    name: str
    won: int = 0
    lost: int = 0
    revenue: Decimal = Decimal(0)
    new_customers: int = 0
    margin_revenue: Decimal = Decimal(0)
    margin_cost: Decimal = Decimal(0)
    turnaround_days: float | None = None
    turnaround_n: int = 0
    quota: Decimal | None = None
    members: list[Scorecard] = field(default_factory=list)

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None

    @property
    def average_size(self) -> Decimal | None:
        return (self.revenue / self.won).quantize(Decimal("1")) if self.won else None

    @property
    def margin(self) -> float | None:
        """Profit margin of the won deals whose cost is known."""
        if not self.margin_revenue:
            return None
        return float((self.margin_revenue - self.margin_cost) / self.margin_revenue)

    @property
    def attainment(self) -> float | None:
        return float(self.revenue / self.quota) if self.quota else None


def quota_period(period: Period) -> tuple[str, dt.date, Decimal]:
    """Which quota a sales-clock period reads, and the share of it that applies.

    A week reads its month's quota, prorated by seven days over the month's length.
    """
    start = timezone.localtime(period.start).date()
    if period.key == "quarter":
        return PeriodKind.QUARTER, start, Decimal(1)
    month = start.replace(day=1)
    if period.key == "week":
        days = calendar.monthrange(month.year, month.month)[1]
        return PeriodKind.MONTH, month, Decimal(7) / Decimal(days)
    return PeriodKind.MONTH, month, Decimal(1)


def scorecards(*, user: Any, period: Period) -> tuple[Scorecard, list[Scorecard]]:
    """The user's visible total and one card per team (each with its reps) for the period."""
    deals = policies.visible(user, "deal", Deal.objects.all()).filter(
        closed_at__gte=period.start, closed_at__lte=period.end
    )
    rows = (
        deals.order_by()
        .values("owner_id")
        .annotate(
            won=Count("id", filter=Q(stage__outcome=WON)),
            lost=Count("id", filter=Q(stage__outcome=LOST)),
            revenue=Sum("amount", filter=Q(stage__outcome=WON)),
            new_customers=Count("id", filter=Q(stage__outcome=WON, is_repeat_purchase=False)),
            margin_revenue=Sum("amount", filter=Q(stage__outcome=WON, cost_amount__isnull=False)),
            margin_cost=Sum("cost_amount", filter=Q(stage__outcome=WON)),
            turnaround=Avg(
                ExpressionWrapper(
                    F("closed_at") - F("lead__handed_off_at"), output_field=DurationField()
                ),
                filter=Q(stage__outcome=WON, lead__isnull=False),
            ),
            turnaround_n=Count("id", filter=Q(stage__outcome=WON, lead__isnull=False)),
        )
    )
    by_owner = {r["owner_id"]: r for r in rows}
    kind, start, share = quota_period(period)
    quotas = Quota.objects.filter(period_kind=kind, period_start=start)
    rep_quota = {q.user_id: q.amount for q in quotas if q.user_id}
    team_quota = {q.team_id: q.amount for q in quotas if q.team_id}
    reps = User.objects.filter(
        Q(pk__in=list(by_owner)) | Q(role=Role.SALES_REP, is_active=True)
    ).select_related("team")
    if not policies.can(user, "view", "deal") or user.role == Role.SALES_REP:
        reps = reps.filter(pk=user.pk)
    elif user.role == Role.SALES_MANAGER and user.team_id:
        reps = reps.filter(Q(team_id=user.team_id) | Q(pk=user.pk))
    teams: dict[int | None, Scorecard] = {}
    total = Scorecard(name="Total")
    for rep in reps:
        row = by_owner.get(rep.pk, {})
        quota = rep_quota.get(rep.pk)
        card = Scorecard(
            name=str(rep),
            won=row.get("won", 0),
            lost=row.get("lost", 0),
            revenue=row.get("revenue") or Decimal(0),
            new_customers=row.get("new_customers", 0),
            margin_revenue=row.get("margin_revenue") or Decimal(0),
            margin_cost=row.get("margin_cost") or Decimal(0),
            turnaround_days=(
                row["turnaround"].total_seconds() / 86400 if row.get("turnaround") else None
            ),
            turnaround_n=row.get("turnaround_n", 0),
            quota=(quota * share).quantize(Decimal("0.01")) if quota is not None else None,
        )
        if not (card.won or card.lost or card.quota is not None or rep.role == Role.SALES_REP):
            continue
        team = teams.setdefault(
            rep.team_id, Scorecard(name=str(rep.team) if rep.team else "No team")
        )
        team.members.append(card)
    for team_id, team in teams.items():
        _roll_up(team, team.members)
        if team_id in team_quota:
            team.quota = (team_quota[team_id] * share).quantize(Decimal("0.01"))
    _roll_up(total, list(teams.values()))
    return total, sorted(teams.values(), key=lambda t: t.name)


def _roll_up(into: Scorecard, parts: list[Scorecard]) -> None:
    for attr in ("won", "lost", "revenue", "new_customers", "margin_revenue", "margin_cost"):
        setattr(into, attr, sum((getattr(p, attr) for p in parts), type(getattr(into, attr))()))
    timed = [
        (p.turnaround_days, p.turnaround_n)
        for p in parts
        if p.turnaround_days is not None and p.turnaround_n
    ]
    into.turnaround_n = sum(n for _, n in timed)
    into.turnaround_days = (
        sum(days * n for days, n in timed) / into.turnaround_n if into.turnaround_n else None
    )
    quotas = [p.quota for p in parts if p.quota is not None]
    into.quota = sum(quotas, Decimal(0)) if quotas else None


# -- ramp: new reps and territories against the 90–120-day expectation ---------------------


@dataclass(frozen=True)
class Ramp:
    name: str
    started_on: dt.date
    days_in: int
    first_win_day: int | None
    won_by_day: list[tuple[int, Decimal]]  # cumulative won amount at day 30, 60 …

    @property
    def status(self) -> str:
        low, high = RAMP_EXPECTED
        if self.first_win_day is not None:
            if self.first_win_day <= low:
                return "ahead"
            return "on time" if self.first_win_day <= high else "late"
        if self.days_in <= low:
            return "ramping"
        return "due now" if self.days_in <= high else "behind"


BUCKETS = (30, 60, 90, 120, 150, 180)


def _cumulative(start: dt.date, wins: list[tuple[dt.date, Decimal]]) -> list[tuple[int, Decimal]]:
    return [
        (day, sum((a for d, a in wins if (d - start).days <= day), Decimal(0))) for day in BUCKETS
    ]


def ramp(*, user: Any, today: dt.date | None = None, within_days: int = 365) -> list[Ramp]:
    """Reps who started in the last year: days to their first win and won amount by day."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=within_days)
    reps = [
        r
        for r in User.objects.filter(role=Role.SALES_REP, date_joined__date__gte=since)
        if policies.can(user, "view", "deal", Deal(owner=r))
    ]
    wins: dict[int, list[tuple[dt.date, Decimal]]] = {r.pk: [] for r in reps}
    for owner_id, closed_at, amount in Deal.objects.filter(
        owner__in=reps, stage__outcome=WON
    ).values_list("owner_id", "closed_at", "amount"):
        wins[owner_id].append((timezone.localtime(closed_at).date(), amount))
    out = []
    for rep in reps:
        start = timezone.localtime(rep.date_joined).date()
        mine = sorted(wins[rep.pk])
        out.append(
            Ramp(
                name=str(rep),
                started_on=start,
                days_in=(today - start).days,
                first_win_day=(mine[0][0] - start).days if mine else None,
                won_by_day=_cumulative(start, mine),
            )
        )
    return sorted(out, key=lambda r: r.started_on)


def territory_ramp(*, user: Any, today: dt.date | None = None, within_days: int = 365) -> list:
    """Regions whose first deal opened in the last year: days from that deal to the first win."""
    today = today or timezone.localdate()
    deals = policies.visible(user, "deal", Deal.objects.all()).exclude(account__region="")
    rows = (
        deals.filter(account__isnull=False)
        .order_by()
        .values("account__region")
        .annotate(
            first_open=Min("created_at"),
            first_win=Min("closed_at", filter=Q(stage__outcome=WON)),
        )
    )
    out = []
    for r in rows:
        started = timezone.localtime(r["first_open"]).date()
        if (today - started).days > within_days:
            continue
        first_win = r["first_win"]
        out.append(
            Ramp(
                name=r["account__region"],
                started_on=started,
                days_in=(today - started).days,
                first_win_day=(
                    (timezone.localtime(first_win).date() - started).days if first_win else None
                ),
                won_by_day=[],
            )
        )
    return sorted(out, key=lambda r: r.started_on)
