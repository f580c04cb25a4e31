"""Quotas, and the forecast's manager adjustments and daily snapshots."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class PeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Quota(models.Model):
    """What a rep or a team is expected to win (amount) in a month or a quarter."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quotas",
    )
    team = models.ForeignKey(
        "access.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period_kind", "period_start"], name="quota_user_period_unique"
            ),
            models.UniqueConstraint(
                fields=["team", "period_kind", "period_start"], name="quota_team_period_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) ^ models.Q(team__isnull=True),
                name="quota_for_a_rep_or_a_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.period_kind} {self.period_start}: {self.amount}"


class ForecastAdjustment(models.Model):
    """A manager's call on a period's forecast, overriding the rolled-up commit, with why."""

    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    team = models.ForeignKey(
        "access.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.period_start}: {self.amount}"


class ForecastSnapshot(models.Model):
    """The forecast of a period as it stood on a day; compared with what closed once it ends."""

    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    taken_on = models.DateField()
    weighted = models.DecimalField(max_digits=16, decimal_places=2)
    commit = models.DecimalField(max_digits=16, decimal_places=2)
    best_case = models.DecimalField(max_digits=16, decimal_places=2)
    pipeline = models.DecimalField(max_digits=16, decimal_places=2)
    history_expected = models.DecimalField(max_digits=16, decimal_places=2)
    history_low = models.DecimalField(max_digits=16, decimal_places=2)
    history_high = models.DecimalField(max_digits=16, decimal_places=2)
    adjusted = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    won_before = models.DecimalField(
        max_digits=16, decimal_places=2, default=0, help_text="Already won in the period."
    )
    actual = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="Won, once it ended."
    )

    class Meta:
        ordering = ["-period_start", "-taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "taken_on"], name="forecast_snapshot_daily"
            )
        ]

    def __str__(self) -> str:
        return f"Forecast {self.period_kind} {self.period_start} on {self.taken_on}"

    @property
    def called(self) -> Decimal:
        """The figure the forecast committed to: the manager's call, else won plus commit."""
        return self.adjusted if self.adjusted is not None else self.won_before + self.commit

    @property
    def accuracy(self) -> float | None:
        """Actual over called: 1.0 is a perfect call; None until the period has ended."""
        if self.actual is None or not self.called:
            return None
        return float(self.actual / self.called)
