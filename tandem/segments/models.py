"""Segments: who belongs to which group of contacts, stored so sends and reports read it fast."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Segment(models.Model):
    """A group of contacts: dynamic (a rule, kept fresh) or static (added by hand or import).

    An exclusion segment (customers, competitors, unsubscribed …) is subtracted from the
    audience of any send or campaign that names it.
    """

    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", "Dynamic (rule)"
        STATIC = "static", "Static list"

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    rule = models.JSONField(
        default=dict, blank=True, help_text="The rule tree of a dynamic segment (AND/OR groups)."
    )
    is_exclusion = models.BooleanField(
        default=False, help_text="Subtracted from any audience that names it."
    )
    member_count = models.PositiveIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class RebuildStatus(models.TextChoices):
        IDLE = "idle", "Up to date"
        QUEUED = "queued", "Rebuild queued"
        RUNNING = "running", "Rebuilding"
        FAILED = "failed", "Rule cannot be evaluated"

    rebuild_status = models.CharField(
        max_length=10, choices=RebuildStatus.choices, default=RebuildStatus.IDLE
    )
    rebuild_progress = models.PositiveSmallIntegerField(
        default=0, help_text="Percent done of the running rebuild."
    )
    last_error = models.TextField(
        blank=True, help_text="Why the rule could not be evaluated at the last rebuild."
    )
    is_time_relative = models.BooleanField(
        default=False,
        help_text="The rule has a time window, so the periodic sweep rebuilds it as days pass.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """One contact's membership of one segment, since when."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="segment_memberships"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_member_unique")
        ]
        indexes = [models.Index(fields=["contact", "segment"])]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}"


class SegmentSize(models.Model):
    """A segment's size at one moment, kept so its growth can be charted."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="sizes")
    measured_at = models.DateTimeField()
    member_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["segment", "measured_at"]
        indexes = [models.Index(fields=["segment", "measured_at"])]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.member_count} at {self.measured_at:%Y-%m-%d}"
