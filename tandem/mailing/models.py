"""Marketing email: templates, sends to segments, one row per recipient, suppressions, topics."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Topic(models.Model):
    """A kind of marketing email a contact can opt out of on its own (newsletter, events …).

    An archived topic is no longer offered to templates, sends or the preference page; the
    opt-outs it has are kept, and still apply to a send that has it.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TopicOptOut(models.Model):
    """A contact who no longer wants one topic's email, though they may still want others."""

    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="topic_opt_outs"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="opt_outs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "topic"], name="topic_opt_out_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} out of {self.topic_id}"


class EmailTemplate(models.Model):
    """A subject, an HTML body and a text body, personalised with a few whitelisted variables.

    The bodies are Django template syntax run in a sandbox (``tandem.mailing.rendering``):
    only the variables it names and a handful of harmless tags and filters are allowed.
    """

    name = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=300)
    html_body = models.TextField()
    text_body = models.TextField()
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="templates"
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


class SendStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    FINISHED = "finished", "Finished"


class EmailSend(models.Model):
    """One campaign email to segments: what is sent (copied from the template when it starts),
    to whom, how fast, and where it is."""

    name = models.CharField(max_length=200)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="sends")
    segments = models.ManyToManyField("segments.Segment", related_name="email_sends")
    exclusions = models.ManyToManyField(
        "segments.Segment", related_name="email_send_exclusions", blank=True
    )
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_sends",
        help_text="Credited with the touches this email earns.",
    )
    from_email = models.CharField(max_length=254)
    # The content as it was when sending started: editing the template later changes nothing
    # already on its way, and clicks are checked against what was actually sent.
    subject = models.CharField(max_length=300, blank=True)
    html_body = models.TextField(blank=True)
    text_body = models.TextField(blank=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends"
    )
    status = models.CharField(
        max_length=10, choices=SendStatus.choices, default=SendStatus.DRAFT, db_index=True
    )
    rate_per_second = models.FloatField(default=20.0)
    batch_size = models.PositiveIntegerField(default=500)
    recipients_ready_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recipient rows were materialised."
    )
    # One worker at a time holds a send; a lease that runs out means the worker died.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class RecipientState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    UNCERTAIN = "uncertain", "Uncertain"


class EmailRecipient(models.Model):
    """One contact of one send, and where their message is.

    pending → sending (written before the message goes to SMTP) → sent (after the server
    accepted it); or skipped (no consent, suppressed …) or failed (the server refused it).
    A worker that dies between *sending* and *sent* leaves the row *uncertain*: the message may
    or may not have gone, and it is never resent blindly.
    """

    send = models.ForeignKey(EmailSend, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="email_recipients"
    )
    email = models.CharField(max_length=254)
    state = models.CharField(
        max_length=10, choices=RecipientState.choices, default=RecipientState.PENDING
    )
    reason = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    clicked_at = models.DateTimeField(null=True, blank=True)
    click_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["send", "contact"], name="email_recipient_unique")
        ]
        indexes = [
            models.Index(fields=["send", "state", "id"]),
            models.Index(fields=["send", "sent_at"]),
            models.Index(fields=["message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.state})"


class EmailClick(models.Model):
    """Clicks of one recipient on one link of their message: the first is a touch, the rest
    are counted."""

    recipient = models.ForeignKey(EmailRecipient, on_delete=models.CASCADE, related_name="clicks")
    url = models.CharField(max_length=2000)
    first_clicked_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "url"], name="email_click_unique")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} → {self.url}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained (spam report)"
    MANUAL = "manual", "Added by hand"
    ERASED = "erased", "Erased (right to be forgotten)"


class Suppression(models.Model):
    """An address no email to a contact may go to again (``mailing.gate``), why, and since
    when. Every row carries the address's salted hash (``gate.address_hash``); a person who
    was erased is kept by the hash alone (``email`` empty), so a re-import, a form or the API
    cannot bring their address back into the mail."""

    email = models.CharField(max_length=254, unique=True, null=True, blank=True)
    email_hash = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="HMAC-SHA256 of the normalised address with the install's secret.",
    )
    reason = models.CharField(max_length=20, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"
