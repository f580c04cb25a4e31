"""The hand-off of a marketing-qualified lead to sales, and sales' answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RejectionReason(models.TextChoices):
    """Why sales turned a lead back. Each reason sends the contact to recycled or disqualified."""

    NOT_READY = "not_ready", "Not ready yet (recycle)"
    NO_BUDGET = "no_budget", "No budget (recycle)"
    WRONG_PERSON = "wrong_person", "Wrong person (recycle)"
    BAD_FIT = "bad_fit", "Bad fit"
    DUPLICATE = "duplicate", "Duplicate"
    COMPETITOR = "competitor", "Competitor"
    STUDENT = "student", "Student / job seeker"
    SPAM = "spam", "Spam or fake"


RECYCLING_REASONS = frozenset(
    {RejectionReason.NOT_READY, RejectionReason.NO_BUDGET, RejectionReason.WRONG_PERSON}
)


class Lead(models.Model):
    """A marketing-qualified contact handed to a sales rep, waiting for accept or reject."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for sales"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="leads")
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        help_text="The campaign credited with the hand-off.",
    )
    score_at_handoff = models.IntegerField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    handed_off_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    rejection_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-handed_off_at", "-id"]
        indexes = [models.Index(fields=["assigned_to", "status"])]
        constraints = [
            # One open hand-off per contact: a second MQL signal must not queue them twice.
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(status="waiting"),
                name="lead_one_waiting_per_contact",
            )
        ]

    def __str__(self) -> str:
        return f"Lead: {self.contact}"
