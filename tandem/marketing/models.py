"""Marketing's records: campaigns and the lead-capture forms that feed them."""

from __future__ import annotations

import datetime as dt

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
    message = models.TextField(blank=True, help_text="The story: what the campaign tells.")
    offer = models.TextField(blank=True, help_text="What it offers (a guide, a demo, a discount).")
    vertical = models.CharField(
        max_length=100, blank=True, help_text="The industry a new-vertical campaign speaks to."
    )
    segments = models.ManyToManyField(
        "segments.Segment", blank=True, related_name="campaigns", help_text="Who it speaks to."
    )
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

    def status_on(self, day: dt.date) -> str:
        """Planned before it starts, ended after it ends, running in between."""
        if self.starts_on and day < self.starts_on:
            return CampaignStatus.PLANNED
        if self.ends_on and day > self.ends_on:
            return CampaignStatus.ENDED
        if self.starts_on is None:
            return CampaignStatus.PLANNED
        return CampaignStatus.RUNNING


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    ENDED = "ended", "Ended"


class SpendLine(models.Model):
    """Money a campaign spent on one day (an invoice, a week of ads), so cost is dated."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend_lines")
    spent_on = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["spent_on", "id"]
        indexes = [models.Index(fields=["campaign", "spent_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="spend_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.amount} on {self.spent_on}"


class TrackedLink(models.Model):
    """A destination URL tagged with the campaign's UTM values, built once and kept."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    destination = models.URLField(max_length=500)
    utm_source = models.CharField(max_length=100)
    utm_medium = models.CharField(max_length=100)
    utm_content = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


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
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text="The form's fields in order: name, label, maps_to, is_required (forms.py).",
    )
    is_double_opt_in = models.BooleanField(
        default=False, help_text="Consent is granted only once the visitor confirms by email."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
    # db_default: bulk writers (the demo's) insert submissions without naming this column.
    visitor_id = models.CharField(max_length=64, blank=True, default="", db_default="")
    submitted_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the visitor confirmed a double opt-in."
    )

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.form} — {self.contact}"


class Visit(models.Model):
    """A page view by a visitor we may not know yet, keyed by a first-party visitor id."""

    visitor_id = models.CharField(max_length=64, db_index=True)
    url = models.URLField(max_length=500)
    referrer = models.URLField(max_length=500, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    visited_at = models.DateTimeField(db_index=True)
    contact = models.ForeignKey(
        "people.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        help_text="Set once the visitor is known (a form submission).",
    )
    touch = models.OneToOneField(
        "people.Touch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-visited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.visitor_id} {self.url}"


class AssetKind(models.TextChoices):
    CASE_STUDY = "case_study", "Case study"
    BATTLECARD = "battlecard", "Battlecard"
    ONE_PAGER = "one_pager", "One-pager"
    DECK = "deck", "Deck"
    VIDEO = "video", "Video"


class ContentAsset(models.Model):
    """Marketing's ammunition for sales: a file kept in the data folder, or a link."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    description = models.TextField(blank=True)
    file_path = models.CharField(
        max_length=300, blank=True, help_text="Where the uploaded file is, in the data folder."
    )
    file_name = models.CharField(max_length=200, blank=True, help_text="As it was uploaded.")
    link = models.URLField(max_length=500, blank=True)
    stages = models.JSONField(default=list, blank=True, help_text="Deal stage names it fits.")
    personas = models.JSONField(default=list, blank=True)
    verticals = models.JSONField(default=list, blank=True, help_text="Industries it speaks to.")
    products = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ContentShare(models.Model):
    """One asset sent to one contact (from a deal, by a rep), opened through a signed link."""

    asset = models.ForeignKey(ContentAsset, on_delete=models.CASCADE, related_name="shares")
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="content_shares"
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField()
    touch = models.OneToOneField(
        "people.Touch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-shared_at", "-id"]

    def __str__(self) -> str:
        return f"{self.asset} → {self.contact}"


class ContentView(models.Model):
    """One opening of a shared asset's link; each is a touch on the contact."""

    share = models.ForeignKey(ContentShare, on_delete=models.CASCADE, related_name="views")
    touch = models.OneToOneField(
        "people.Touch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-viewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.share_id} at {self.viewed_at:%Y-%m-%d %H:%M}"
