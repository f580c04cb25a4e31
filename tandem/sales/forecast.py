"""The forecast of a month or quarter: weighted pipeline, the reps' categories rolled up, the
managers' call, and a history-based expectation with an interval.

The history-based figure does not trust the reps' close dates: each open deal closes within the
period with its stage's historical win rate times the chance that a won deal from that stage
closes within the days left (exponential with the stage's mean days to win). Summed over
independent deals that gives a mean and a variance, hence an 80 % interval. Everything heavy is
a grouped query on the engine; the arithmetic runs on one row per stage.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from tandem.access import policies
from tandem.sales.models import (
    Deal,
    DealStageMove,
    ForecastAdjustment,
    ForecastCategory,
    ForecastSnapshot,
    PeriodKind,
    PipelineStage,
)

Z80 = 1.2816  # two-sided 80 % interval of a normal
OPEN, WON, LOST = (
    PipelineStage.Outcome.OPEN,
    PipelineStage.Outcome.WON,
    PipelineStage.Outcome.LOST,
)


def period_bounds(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month or quarter starting on ``start``."""
    months = 3 if kind == PeriodKind.QUARTER else 1
    index = start.year * 12 + start.month - 1 + months - 1
    year, month = index // 12, index % 12 + 1
    return start, dt.date(year, month, calendar.monthrange(year, month)[1])


def period_containing(kind: str, day: dt.date) -> dt.date:
    if kind == PeriodKind.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def _aware(day: dt.date, end: bool = False) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max if end else dt.time.min))


@dataclass(frozen=True)
class StageHistory:
    stage: PipelineStage
    win_rate: float | None  # of deals that entered the stage and closed, the share won
    days_to_win: float | None  # mean days from entering the stage to winning


def stage_history(*, deals: Any = None) -> dict[int, StageHistory]:
    """Stage-to-win conversion and mean days to win per open stage, from every closed deal."""
    moves = DealStageMove.objects.filter(
        to_stage__outcome=OPEN, deal__stage__outcome__in=[WON, LOST]
    )
    if deals is not None:
        moves = moves.filter(deal__in=deals)
    rows = (
        moves.order_by()
        .values("to_stage_id")
        .annotate(
            won=Count("deal_id", filter=Q(deal__stage__outcome=WON), distinct=True),
            closed=Count("deal_id", distinct=True),
            days=Avg(
                ExpressionWrapper(
                    F("deal__closed_at") - F("moved_at"), output_field=DurationField()
                ),
                filter=Q(deal__stage__outcome=WON),
            ),
        )
    )
    stages = {s.pk: s for s in PipelineStage.objects.filter(outcome=OPEN)}
    return {
        r["to_stage_id"]: StageHistory(
            stage=stages[r["to_stage_id"]],
            win_rate=r["won"] / r["closed"] if r["closed"] else None,
            days_to_win=max(r["days"].total_seconds() / 86400, 1.0) if r["days"] else None,
        )
        for r in rows
        if r["to_stage_id"] in stages
    }


@dataclass(frozen=True)
class Forecast:
    kind: str
    start: dt.date
    end: dt.date
    won: Decimal
    weighted: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    omitted: Decimal
    history_expected: Decimal
    history_low: Decimal
    history_high: Decimal
    adjustment: ForecastAdjustment | None
    deals: int

    @property
    def called(self) -> Decimal:
        """The manager's call when there is one, else what is won plus what is committed."""
        return self.adjustment.amount if self.adjustment else self.won + self.commit


def _q(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def forecast_for(*, user: Any, kind: str, start: dt.date, today: dt.date | None = None) -> Forecast:
    """The forecast of one month or quarter as ``user`` may see it (``None``: everyone's)."""
    today = today or timezone.localdate()
    start, end = period_bounds(kind, start)
    deals = (
        Deal.objects.all() if user is None else policies.visible(user, "deal", Deal.objects.all())
    )
    won = deals.filter(
        stage__outcome=WON, closed_at__gte=_aware(start), closed_at__lte=_aware(end, True)
    ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    open_deals = deals.filter(stage__outcome=OPEN)
    in_period = (
        open_deals.filter(expected_close_on__gte=start, expected_close_on__lte=end)
        .order_by()
        .values("stage_id", "forecast_category")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    stages = {s.pk: s for s in PipelineStage.objects.filter(outcome=OPEN)}
    by_category = dict.fromkeys(ForecastCategory.values, Decimal(0))
    weighted, count = Decimal(0), 0
    for row in in_period:
        amount = row["total"] or Decimal(0)
        by_category[row["forecast_category"]] += amount
        count += row["n"]
        if row["forecast_category"] != ForecastCategory.OMITTED:
            weighted += amount * stages[row["stage_id"]].probability / 100
    commit = by_category[ForecastCategory.COMMIT]
    best_case = commit + by_category[ForecastCategory.BEST_CASE]
    pipeline = best_case + by_category[ForecastCategory.PIPELINE]

    history = stage_history()
    days_left = max((end - max(today, start)).days + 1, 0) if today <= end else 0
    expected = variance = 0.0
    for row in (
        open_deals.order_by()
        .values("stage_id")
        .annotate(total=Sum("amount"), squares=Sum(F("amount") * F("amount")))
    ):
        h = history.get(row["stage_id"])
        if h is None or h.win_rate is None or not days_left:
            continue
        days = h.days_to_win or 30.0
        p = h.win_rate * (1 - math.exp(-days_left / days))
        expected += p * float(row["total"] or 0)
        variance += p * (1 - p) * float(row["squares"] or 0)
    spread = Z80 * math.sqrt(variance)
    adjustment = (
        ForecastAdjustment.objects.filter(period_kind=kind, period_start=start, team=None)
        .select_related("created_by")
        .first()
    )
    return Forecast(
        kind=kind,
        start=start,
        end=end,
        won=won,
        weighted=_q(weighted),
        commit=commit,
        best_case=best_case,
        pipeline=pipeline,
        omitted=by_category[ForecastCategory.OMITTED],
        history_expected=_q(float(won) + expected),
        history_low=_q(float(won) + max(expected - spread, 0)),
        history_high=_q(float(won) + expected + spread),
        adjustment=adjustment,
        deals=count,
    )


def adjustments(*, kind: str, start: dt.date) -> list[ForecastAdjustment]:
    return list(
        ForecastAdjustment.objects.filter(period_kind=kind, period_start=start).select_related(
            "created_by", "team"
        )
    )


def snapshots(*, kind: str, limit: int = 12) -> list[ForecastSnapshot]:
    """The last snapshot of each recent period, newest period first (accuracy once ended)."""
    latest: dict[dt.date, ForecastSnapshot] = {}
    for snap in ForecastSnapshot.objects.filter(period_kind=kind).order_by(
        "-period_start", "-taken_on"
    )[: limit * 40]:
        latest.setdefault(snap.period_start, snap)
    return list(latest.values())[:limit]
