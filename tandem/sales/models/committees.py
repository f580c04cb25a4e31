"""A deal's buying committee and the stages' playbook of discovery questions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .pipelines import Deal, PipelineStage


class CommitteeRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    CHAMPION = "champion", "Champion"
    INFLUENCER = "influencer", "Influencer"
    USER = "user", "User"
    BLOCKER = "blocker", "Blocker"


class PreferredChannel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    MEETING = "meeting", "In person"
    VIDEO = "video", "Video call"
    CHAT = "chat", "Chat"


class CommitteeMember(models.Model):
    """A person on a deal's buying committee: their role, pains, channel and timeline."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="committee")
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="committee_seats"
    )
    role = models.CharField(max_length=20, choices=CommitteeRole.choices)
    pain_points = models.TextField(blank=True)
    preferred_channel = models.CharField(
        max_length=10, choices=PreferredChannel.choices, blank=True
    )
    timeline = models.CharField(max_length=200, blank=True, help_text="In their words.")
    decision_on = models.DateField(null=True, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["deal", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="committee_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


class PlaybookQuestion(models.Model):
    """A discovery question sales asks in a pipeline stage; key ones gate the next move."""

    stage = models.ForeignKey(PipelineStage, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    is_key = models.BooleanField(default=False)
    choices = models.TextField(
        blank=True,
        help_text="One answer per line; when given, answers are counted as market research.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["stage__position", "position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]


class PlaybookAnswer(models.Model):
    """A deal's answer to a discovery question."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PlaybookQuestion, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "question"], name="playbook_answer_unique")
        ]

    def __str__(self) -> str:
        return self.choice or self.text[:50]
