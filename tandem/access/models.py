"""Users, teams, API tokens and the counters behind rate limits."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models

from tandem.access.roles import MARKETING_ROLES, SALES_ROLES, Role, TeamKind


class Team(models.Model):
    """A group of people who share work: the marketing team, a sales team for a region …"""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=TeamKind.choices, default=TeamKind.OTHER)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who works in Tandem. The role decides what they may do; the team, whose work."""

    role = models.CharField(max_length=30, choices=Role.choices, default=Role.EMPLOYEE)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    is_available_for_leads = models.BooleanField(
        default=True, help_text="Sales reps who are away are skipped by lead routing."
    )
    last_lead_assigned_at = models.DateTimeField(null=True, blank=True)
    lead_capacity = models.PositiveIntegerField(
        default=50,
        db_default=50,
        help_text="Most leads a rep holds waiting at once; routing weights round robin by it.",
    )

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["role", "is_available_for_leads"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_marketing(self) -> bool:
        return self.role in MARKETING_ROLES

    @property
    def is_sales(self) -> bool:
        return self.role in SALES_ROLES

    @property
    def is_tandem_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


def hash_token(raw: str) -> str:
    """Tokens are random and long, so one round of SHA-256 is enough (no salt needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the token itself is shown once."""

    PREFIX = "tdm_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12, help_text="First characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def generate_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class RateCounter(models.Model):
    """Hits per key in a fixed time window; the database is shared by every server process."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.hits}"
