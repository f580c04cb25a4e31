"""Fit reviews: sales' and marketing's joint decision on a deal outside the fit rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .pipelines import Deal


class FitReview(models.Model):
    """A joint decision by sales and marketing on a deal that falls outside the fit rules."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved"
        CONDITIONS = "approved_with_conditions", "Approved with conditions"
        DECLINED = "declined", "Declined"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="fit_reviews")
    concerns = models.JSONField(help_text="The concerns ({code, message}) when it was opened.")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "opened_at"])]

    def __str__(self) -> str:
        return f"Fit review of {self.deal}: {self.get_status_display()}"

    @property
    def concern_codes(self) -> set[str]:
        return {c["code"] for c in self.concerns}


class FitDecision(models.Model):
    """One team's decision in a fit review, with the manager who took it and why."""

    class Team(models.TextChoices):
        SALES = "sales", "Sales"
        MARKETING = "marketing", "Marketing"

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        CONDITIONS = "approve_with_conditions", "Approve with conditions"
        DECLINE = "decline", "Decline"

    review = models.ForeignKey(FitReview, on_delete=models.CASCADE, related_name="decisions")
    team = models.CharField(max_length=10, choices=Team.choices)
    decision = models.CharField(max_length=30, choices=Decision.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "team"], name="fit_decision_one_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.get_team_display()}: {self.get_decision_display()}"
