"""Sales' records: pipelines with their stages, and deals moving through them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Pipeline(models.Model):
    """A sequence of stages a deal moves through (new business, renewals …)."""

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class PipelineStage(models.Model):
    """One stage of a pipeline, with the default chance a deal in it is won."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    probability = models.PositiveSmallIntegerField(help_text="Per cent.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "position"], name="stage_position_unique")
        ]

    def __str__(self) -> str:
        return self.name


class LostReason(models.TextChoices):
    PRICE = "price", "Price"
    COMPETITOR = "competitor", "Went with a competitor"
    NO_DECISION = "no_decision", "No decision"
    TIMING = "timing", "Timing"
    FIT = "fit", "Product did not fit"
    OTHER = "other", "Other"


class Deal(models.Model):
    """A chance to sell to an account, owned by a rep, moving through a pipeline."""

    name = models.CharField(max_length=200)
    account = models.ForeignKey(
        "people.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    contact = models.ForeignKey(
        "people.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals"
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="deals")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cost_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the deal's items cost us; the margin is amount minus this.",
    )
    expected_close_on = models.DateField(null=True, blank=True)
    source_campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    lead = models.OneToOneField(
        "handoff.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="deal"
    )
    is_repeat_purchase = models.BooleanField(
        default=False, help_text="Won from an account that had already bought."
    )
    private_notes = models.TextField(
        blank=True, help_text="The rep's own notes: hidden from marketing."
    )
    lost_reason = models.CharField(max_length=20, choices=LostReason.choices, blank=True)
    created_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "closed_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage.outcome == PipelineStage.Outcome.OPEN


class DealStageMove(models.Model):
    """One move of a deal between pipeline stages."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_moves")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.deal}: → {self.to_stage}"
