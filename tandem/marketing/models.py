"""Marketing's records: campaigns and the lead-capture forms that feed them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.people.models import Channel


class Objective(models.TextChoices):
    LEAD_GENERATION = "lead_generation", "Lead generation"
    PRODUCT_LAUNCH = "product_launch", "Product launch"
    NEW_VERTICAL = "new_vertical", "Expertise in a new vertical"
    RECRUITING = "recruiting", "Recruiting support"
    RETENTION = "retention", "Retention / repeat purchase"


class Campaign(models.Model):
    """A story told to chosen segments through a channel, with a budget and an objective."""

    name = models.CharField(max_length=200)
    objective = models.CharField(
        max_length=30, choices=Objective.choices, default=Objective.LEAD_GENERATION
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    utm_campaign = models.SlugField(
        max_length=100, unique=True, help_text="The utm_campaign value that marks its traffic."
    )
    message = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class LeadForm(models.Model):
    """A public lead-capture form: a hosted page and a POST endpoint."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forms",
        help_text="Credited when the visitor brings no utm_campaign of their own.",
    )
    headline = models.CharField(max_length=200, blank=True)
    consent_wording = models.TextField(
        default="Yes, send me news and offers by email. I can unsubscribe at any time."
    )
    thank_you = models.CharField(max_length=300, default="Thank you — we'll be in touch.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """What a visitor sent through a form, kept as sent, with the consent wording they saw."""

    form = models.ForeignKey(LeadForm, on_delete=models.CASCADE, related_name="submissions")
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="form_submissions"
    )
    touch = models.OneToOneField("people.Touch", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField()
    consent_given = models.BooleanField()
    consent_wording = models.TextField(blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.form} — {self.contact}"
