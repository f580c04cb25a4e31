"""Targets and the forecast's records: quotas, managers' adjustments, forecast snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.sales import forecast
from tandem.sales.models import (
    Deal,
    ForecastAdjustment,
    ForecastSnapshot,
    PeriodKind,
    PipelineStage,
    Quota,
)
from tandem.sales.services import _amount, _date


def _period(kind: str, start: Any) -> tuple[str, dt.date]:
    if kind not in PeriodKind.values:
        raise InvalidInput.field("period_kind", "choose month or quarter")
    day = _date(start, "period_start")
    if day is None:
        raise InvalidInput.field("period_start", "say which month or quarter")
    first = forecast.period_containing(kind, day)
    if first != day:
        raise InvalidInput.field("period_start", f"a {kind} starts on {first.isoformat()}")
    return kind, first


def quota_set(
    *,
    actor: Any,
    amount: Any,
    period_kind: str,
    period_start: Any,
    user: Any = None,
    team: Any = None,
    via: str = "ui",
) -> Quota:
    """Set a rep's or a team's quota for a month or quarter (replacing the one there was)."""
    policies.require(actor, "change", "sales_plan")
    if (user is None) == (team is None):
        raise InvalidInput.field("user", "a quota is for one rep or one team")
    kind, start = _period(period_kind, period_start)
    value = _amount(amount)
    with transaction.atomic():
        quota, created = Quota.objects.get_or_create(
            user=user,
            team=team,
            period_kind=kind,
            period_start=start,
            defaults={"amount": value, "created_by": actor},
        )
        if created:
            audit.record_created(actor=actor, obj=quota, via=via)
        elif quota.amount != value:
            before = audit.snapshot(quota)
            quota.amount = value
            quota.save(update_fields=["amount"])
            audit.record_updated(actor=actor, obj=quota, before=before, via=via)
    return quota


def forecast_adjust(
    *,
    actor: Any,
    period_kind: str,
    period_start: Any,
    amount: Any,
    reason: str,
    team: Any = None,
    via: str = "ui",
) -> ForecastAdjustment:
    """Record a manager's call on a period's forecast; each call is kept, the newest counts."""
    policies.require(actor, "create", "sales_plan")
    kind, start = _period(period_kind, period_start)
    value = _amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "say why the forecast differs from the roll-up")
    with transaction.atomic():
        adjustment = ForecastAdjustment.objects.create(
            period_kind=kind,
            period_start=start,
            team=team,
            amount=value,
            reason=reason[:2000],
            created_by=actor,
            created_at=timezone.now(),
        )
        audit.record_created(actor=actor, obj=adjustment, via=via)
    return adjustment


def forecast_snapshot_take(*, period_kind: str, today: dt.date | None = None) -> ForecastSnapshot:
    """Keep today's company forecast of the current period (once a day; a rerun updates it)."""
    today = today or timezone.localdate()
    start = forecast.period_containing(period_kind, today)
    f = forecast.forecast_for(user=None, kind=period_kind, start=start, today=today)
    snapshot, _ = ForecastSnapshot.objects.update_or_create(
        period_kind=period_kind,
        period_start=start,
        taken_on=today,
        defaults={
            "period_end": f.end,
            "weighted": f.weighted,
            "commit": f.commit,
            "best_case": f.best_case,
            "pipeline": f.pipeline,
            "history_expected": f.history_expected,
            "history_low": f.history_low,
            "history_high": f.history_high,
            "adjusted": f.adjustment.amount if f.adjustment else None,
            "won_before": f.won,
        },
    )
    return snapshot


def forecast_snapshots_settle(*, today: dt.date | None = None) -> int:
    """Fill in what actually closed for every snapshot whose period has ended; how many."""
    today = today or timezone.localdate()
    settled = 0
    pending = ForecastSnapshot.objects.filter(actual__isnull=True, period_end__lt=today)
    for kind, start, end in pending.values_list(
        "period_kind", "period_start", "period_end"
    ).distinct():
        actual = Deal.objects.filter(
            stage__outcome=PipelineStage.Outcome.WON,
            closed_at__gte=forecast._aware(start),
            closed_at__lte=forecast._aware(end, True),
        ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        settled += pending.filter(period_kind=kind, period_start=start).update(actual=actual)
    return settled
