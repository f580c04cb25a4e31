"""Pipelines with their stages, and deals moving through them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, JSONField, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone

# The next-step key of a deal with no next step (or no date for it): before every real date,
# so "flagged" (no step, or its date has passed) is the single range ``key < today``.
NO_NEXT_STEP_KEY = dt.date(1, 1, 1)


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


class ForecastCategory(models.TextChoices):
    """The rep's call on a deal; each category includes the ones above it when rolled up."""

    COMMIT = "commit", "Commit"
    BEST_CASE = "best_case", "Best case"
    PIPELINE = "pipeline", "Pipeline"
    OMITTED = "omitted", "Omitted"


class DealSource(models.TextChoices):
    CAMPAIGN = "campaign", "Marketing campaign"
    PARTNER = "partner", "Channel partner"
    OUTBOUND = "outbound", "Outbound"


class DealQuerySet(models.QuerySet):
    """Deals; a bulk ``update()`` (and so ``bulk_update``) stamps ``updated_at`` too."""

    def update(self, **kwargs: Any) -> int:
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


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
    # Database defaults too: the demo and imports write deals with plain INSERTs.
    forecast_category = models.CharField(
        max_length=20,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
        db_default=ForecastCategory.PIPELINE,
    )
    next_step = models.CharField(max_length=200, blank=True, default="", db_default="")
    next_step_due_on = models.DateField(null=True, blank=True)
    # Kept by the database: the step's date, or NO_NEXT_STEP_KEY when there is no step or no
    # date. Flagged deals are then one index range (``next_step_key < today``) instead of a
    # test of every open deal's row.
    next_step_key = models.GeneratedField(
        expression=Case(
            When(Q(next_step="") | Q(next_step_due_on__isnull=True), then=Value(NO_NEXT_STEP_KEY)),
            default=F("next_step_due_on"),
            output_field=models.DateField(),
        ),
        output_field=models.DateField(),
        db_persist=True,
    )
    source = models.CharField(
        max_length=20, choices=DealSource.choices, blank=True, default="", db_default=""
    )
    partner = models.ForeignKey(
        "people.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner_deals",
        help_text="The channel partner who brought or resells the deal.",
    )
    # The record's id in the system it came from (HubSpot's "Record ID", a Salesforce id):
    # how a second import finds it again. Empty for records born here.
    external_id = models.CharField(max_length=100, blank=True, default="", db_default="")
    # The company's own fields (``tandem.fields``): values by the field's key.
    custom = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))
    created_at = models.DateTimeField(db_index=True)
    # When anything of the deal last changed: every save (``update_fields`` or not) and every
    # queryset ``update()`` stamp it; plain INSERTs (imports, the demo) get the database's now.
    # An import's undo leaves a deal changed after the import alone.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Whether the deal's stage is an open one, stored (``save`` keeps it) so the open-deal
    # indexes below can be partial: open lists, boards and counts never touch won/lost rows.
    still_open = models.BooleanField(default=True, db_default=True, editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["external_id"], name="deal_external_id", condition=~Q(external_id="")
            ),
            models.Index(fields=["owner", "closed_at"]),
            # The board reads the largest deals of each stage and each column's count and
            # total; with the owner in the index a team's or everyone's columns are answered
            # from the index alone (stage IN (…) AND owner IN (the team), no table rows).
            models.Index(fields=["stage", "amount", "owner"], name="deal_stage_amount_owner"),
            models.Index(fields=["owner", "stage", "amount"]),
            # The list sorts by expected close date; with the owner and stage in the index,
            # skipping to a deep page (OFFSET) checks who may see a deal and whether it is open
            # without reading the deals it skips.
            models.Index(
                fields=["expected_close_on", "id", "owner", "stage"],
                name="deal_close_id_owner_stage",
            ),
            # Open deals only. The list's order with every filter input the list page uses,
            # so an open (and flagged, forecast-category …) list walks it without table rows.
            models.Index(
                fields=[
                    "expected_close_on",
                    "id",
                    "owner",
                    "stage",
                    "forecast_category",
                    "next_step_key",
                ],
                name="deal_open_close",
                condition=Q(still_open=True),
            ),
            # Flagged open deals as one range (next_step_key < today), with what their counts
            # and totals (list and board) need, so those are answered from this index alone.
            models.Index(
                fields=["next_step_key", "stage", "owner", "forecast_category", "amount"],
                name="deal_open_flag",
                condition=Q(still_open=True),
            ),
            # One owner's or a team's (owner IN …) open deals: the list in its order, and its
            # counts from the index alone, without reading the owners' won and lost deals.
            models.Index(
                fields=[
                    "owner",
                    "expected_close_on",
                    "id",
                    "stage",
                    "forecast_category",
                    "next_step_key",
                ],
                name="deal_open_owner_close",
                condition=Q(still_open=True),
            ),
            # A board column's largest open deals, flagged or not, from the index alone.
            models.Index(
                fields=["stage", "amount", "owner", "next_step_key"],
                name="deal_open_stage_amount",
                condition=Q(still_open=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``still_open`` follows the stage; a save of the stage saves it too. A save of some
        # fields is a change of the deal: ``updated_at`` goes with them.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "stage" in update_fields:
            self.still_open = self.stage.outcome == PipelineStage.Outcome.OPEN
            if update_fields is not None:
                update_fields = [*update_fields, "still_open"]
        if update_fields:  # an empty list saves nothing, and changes nothing
            kwargs["update_fields"] = list(dict.fromkeys([*update_fields, "updated_at"]))
        super().save(*args, **kwargs)

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
