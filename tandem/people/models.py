"""The people a company markets and sells to: accounts, contacts, consent, touches, lifecycle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import JSONField, Q, Value


# A contact's lifecycle stage (the moves between them: ``people.lifecycle``). A comment, not a
# docstring: the API schema shows a docstring as the enum's description.
class Stage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing-qualified lead"
    SAL = "sal", "Sales-accepted lead"
    SQL = "sql", "Sales-qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    REPEAT_CUSTOMER = "repeat_customer", "Repeat customer"
    ADVOCATE = "advocate", "Advocate"
    RECYCLED = "recycled", "Recycled"
    DISQUALIFIED = "disqualified", "Disqualified"


class SizeBand(models.TextChoices):
    MICRO = "1-9", "1–9"
    SMALL = "10-49", "10–49"
    MEDIUM = "50-249", "50–249"
    LARGE = "250-999", "250–999"
    ENTERPRISE = "1000+", "1000+"


class Account(models.Model):
    """A company that buys, or might buy."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    industry = models.CharField(max_length=100, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    region = models.CharField(max_length=100, blank=True)
    fit_score = models.IntegerField(
        default=0,
        db_default=0,
        help_text="Points from the ideal-customer-profile rules on account fields.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The record's id in the system it came from (HubSpot's "Record ID", a Salesforce id):
    # how a second import finds it again. Empty for records born here.
    external_id = models.CharField(max_length=100, blank=True, default="", db_default="")
    # The company's own fields (``tandem.fields``): values by the field's key.
    custom = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["external_id"], name="account_external_id", condition=~Q(external_id="")
            )
        ]

    def __str__(self) -> str:
        return self.name


class AudienceType(models.IntegerChoices):
    """Who a contact is to us. A contact can be several at once, so they are stored as bits."""

    PROSPECT = 1, "Prospect"
    CUSTOMER = 2, "Customer"
    COMPETITOR = 4, "Competitor"
    MEDIA = 8, "Media"
    EMPLOYEE = 16, "Employee"
    CANDIDATE = 32, "Candidate"
    PARTNER = 64, "Partner"
    PUBLIC = 128, "Public"


AUDIENCE_BY_NAME = {a.name.lower(): a for a in AudienceType}


class Channel(models.TextChoices):
    """The medium a touch came through; shared by campaigns and touches."""

    EMAIL = "email", "Email"
    PAID_SOCIAL = "paid_social", "Paid social"
    ORGANIC_SOCIAL = "organic_social", "Organic social"
    SEARCH = "search", "Paid search"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    EVENTS = "events", "Events"
    WEBINAR = "webinar", "Webinars"
    CONTENT = "content", "Content"
    PR = "pr", "PR"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    PARTNER = "partner", "Partner"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct"
    SALES = "sales", "Sales outreach"
    OTHER = "other", "Other"


class Contact(models.Model):
    """A person: prospect, customer, journalist, candidate … One per email address."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(unique=True, help_text="Stored lower-case and trimmed.")
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=150, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    audience_flags = models.PositiveIntegerField(default=AudienceType.PROSPECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifecycle_stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.SUBSCRIBER, db_index=True
    )
    lifecycle_changed_at = models.DateTimeField(null=True, blank=True)
    score = models.IntegerField(default=0, help_text="Fit plus engagement: the rule score.")
    fit_score = models.IntegerField(
        default=0, db_default=0, help_text="Who they are: the ICP rules."
    )
    engagement_score = models.IntegerField(
        default=0,
        db_default=0,
        help_text="What they did lately: touches, capped per day and decayed.",
    )
    grade = models.CharField(
        max_length=2,
        blank=True,
        default="",
        db_default="",
        help_text="Fit letter and engagement band, A1 (best) to D4.",
    )
    conversion_probability = models.FloatField(
        null=True, blank=True, help_text="The predictive score: chance to convert within 90 days."
    )
    nurture_until = models.DateField(
        null=True,
        blank=True,
        help_text="A recycled lead is left to marketing's nurture until then.",
    )

    first_touch_at = models.DateTimeField(null=True, blank=True)
    first_touch_source = models.CharField(max_length=100, blank=True)
    first_touch_medium = models.CharField(max_length=100, blank=True)
    first_touch_campaign = models.ForeignKey(
        "marketing.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_touch_at = models.DateTimeField(null=True, blank=True)
    last_touch_source = models.CharField(max_length=100, blank=True)
    last_touch_medium = models.CharField(max_length=100, blank=True)
    last_touch_campaign = models.ForeignKey(
        "marketing.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The record's id in the system it came from (HubSpot's "Record ID", a Salesforce id):
    # how a second import finds it again. Empty for records born here.
    external_id = models.CharField(max_length=100, blank=True, default="", db_default="")
    # The company's own fields (``tandem.fields``): values by the field's key.
    custom = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["external_id"], name="contact_external_id", condition=~Q(external_id="")
            )
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email

    @property
    def audience_types(self) -> list[str]:
        return [a.name.lower() for a in AudienceType if self.audience_flags & a.value]


class ConsentChannel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"


class Consent(models.Model):
    """Whether a contact agreed to hear from us on a channel, where they said so, and when."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    is_granted = models.BooleanField()
    source = models.CharField(max_length=200, help_text="form:slug, api, import, manual …")
    wording = models.TextField(blank=True, help_text="The consent text the contact saw.")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "channel"], name="consent_one_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {'granted' if self.is_granted else 'not granted'}"


class ConsentAction(models.TextChoices):
    GRANTED = "granted", "Granted"
    REGRANTED = "regranted", "Granted again"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DECLINED = "declined", "Not given"


class ConsentEntry(models.Model):
    """One statement of consent, as it was made: a grant, a withdrawal, a grant again, or a
    form sent without the box ticked; for a channel, or for one email topic (channel email).

    The log is append-only: rows are written by ``people.consent.consent_record`` (one) and
    ``people.consent.consent_entries_write`` (a batch, the import) and are never updated or
    deleted — except by erase (``tandem.privacy``), which removes a person's rows with them,
    and by the deletion of the contact itself. A merge moves them to the kept contact. No
    service updates or deletes one. The current state (``Consent`` per channel, mailing's
    ``TopicOptOut`` per topic) is written in the same transaction as each entry.
    """

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="consent_entries", db_index=False
    )
    channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    # An email topic (mailing's ``Topic``); null for the channel as a whole. The name is kept
    # as it was, so the history still reads right after a rename.
    topic = models.ForeignKey(
        "mailing.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    topic_name = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=10, choices=ConsentAction.choices)
    is_granted = models.BooleanField()
    source = models.CharField(
        max_length=200, help_text="form:slug, api, import, unsubscribe link, manual …"
    )
    wording = models.TextField(blank=True, help_text="The consent text the contact saw.")
    recorded_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="Who recorded it; empty when the contact did (a form, a link) or a machine.",
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["contact", "recorded_at"], name="consent_entry_contact")]
        verbose_name_plural = "consent entries"

    def __str__(self) -> str:
        what = self.topic_name or self.channel
        return f"{what}: {self.action} ({self.source})"


class TouchKind(models.TextChoices):
    FORM_SUBMISSION = "form_submission", "Form submission"
    EMAIL_OPEN = "email_open", "Email opened"
    EMAIL_CLICK = "email_click", "Email clicked"
    EMAIL_SENT = "email_sent", "Email sent"
    PAGE_VISIT = "page_visit", "Page visit"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EVENT = "event", "Event attended"
    NOTE = "note", "Note"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


# The values as sets, for checks on every touch: ``TouchKind.values`` rebuilds its list per call.
TOUCH_KIND_VALUES = frozenset(TouchKind.values)
CHANNEL_VALUES = frozenset(Channel.values)
SENTIMENT_VALUES = frozenset(Sentiment.values)


class Touch(models.Model):
    """Any interaction with a contact, by either team or anyone in the company."""

    # No single-column indexes on these keys: the (key, occurred_at) indexes below serve every
    # lookup by them, and each index is paid by every touch stored (ten million of them).
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="touches", db_index=False
    )
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touches",
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=TouchKind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.OTHER)
    occurred_at = models.DateTimeField()
    # Looked up through the (recorded_by, client_id) unique index below.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    client_id = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        help_text="The sender's own id for this touch (batch API): a retry stores nothing twice.",
    )
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touches",
        db_index=False,
    )
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    referrer = models.URLField(max_length=500, blank=True)
    summary = models.TextField(blank=True, max_length=2000)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "occurred_at"]),
            # Partial: most touches (visits, opens, calls) carry no campaign, and many no
            # account; lookups always name one, and a touch without pays nothing here.
            models.Index(
                fields=["account", "occurred_at"],
                condition=models.Q(account__isnull=False),
                name="touch_account_time",
            ),
            models.Index(
                fields=["campaign", "occurred_at"],
                condition=models.Q(campaign__isnull=False),
                name="touch_campaign_time",
            ),
            # Behaviour conditions read (kind, occurred_at, contact_id) through the index that
            # segments' migration 0003 creates on this table (segments_touch_kind_time).
        ]
        constraints = [
            # A sender's client ids are unique: the guard that makes batch retries safe. Touches
            # without one (NULL) never conflict. Also the index for "touches recorded by".
            models.UniqueConstraint(
                fields=["recorded_by", "client_id"], name="touch_client_id_unique"
            )
        ]
        verbose_name_plural = "touches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.contact}"


class LifecycleMove(models.Model):
    """One move of a contact between lifecycle stages: who, when, why, and which campaign."""

    # Keys without their own index: (contact, moved_at) serves the contact, and the partial
    # indexes below the rest; most moves are the system's and carry no campaign, and a move is
    # written on every qualifying touch.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="lifecycle_moves", db_index=False
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reason = models.CharField(max_length=500, blank=True)
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The campaign of the contact's latest touch when the move happened.",
        db_index=False,
    )

    class Meta:
        ordering = ["-moved_at", "-id"]
        indexes = [
            models.Index(fields=["to_stage", "moved_at"]),
            models.Index(fields=["contact", "moved_at"]),
            models.Index(
                fields=["moved_by"],
                condition=models.Q(moved_by__isnull=False),
                name="move_moved_by",
            ),
            models.Index(
                fields=["campaign"],
                condition=models.Q(campaign__isnull=False),
                name="move_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact}: {self.from_stage or '—'} → {self.to_stage}"


class StageRule(models.Model):
    """A company's entry rule for one lifecycle stage, edited by admins.

    Without a row a stage follows the default machine of ``domain.md``.
    """

    stage = models.CharField(max_length=20, choices=Stage.choices, unique=True)
    is_enabled = models.BooleanField(default=True)
    requires_reason = models.BooleanField(
        default=False, help_text="Entering this stage needs a written reason."
    )
    allowed_from = models.JSONField(
        default=list, blank=True, help_text="Stages this stage may be entered from; empty = any."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage"]

    def __str__(self) -> str:
        return f"entry rule for {self.stage}"


# The records a merge leaves behind live beside the models they name (this module's size).
from tandem.people.merge_models import DuplicateDismissal as DuplicateDismissal  # noqa: E402
from tandem.people.merge_models import EmailAlias as EmailAlias  # noqa: E402
