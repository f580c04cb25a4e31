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
    NO_AUTHORITY = "no_authority", "No buying authority (recycle)"


RECYCLING_REASONS = frozenset(
    {
        RejectionReason.NOT_READY,
        RejectionReason.NO_BUDGET,
        RejectionReason.WRONG_PERSON,
        RejectionReason.NO_AUTHORITY,
    }
)


class Lead(models.Model):
    """A marketing-qualified contact handed to a sales rep, waiting for accept or reject."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for sales"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="leads")
    # Written on every hand-off: (assigned_to, status) serves the rep, and the partial indexes
    # in Meta the campaign and the decider, which a new lead mostly lacks.
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        help_text="The campaign credited with the hand-off.",
        db_index=False,
    )
    score_at_handoff = models.IntegerField()
    grade_at_handoff = models.CharField(max_length=2, blank=True, default="", db_default="")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,
    )
    handed_off_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    rejection_note = models.CharField(max_length=500, blank=True)
    first_touch_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Sales' promise: the first touch is due by then."
    )
    first_touched_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True, help_text="Told the rep: due soon.")
    breached_at = models.DateTimeField(null=True, blank=True, help_text="Told: promise broken.")
    reassigned_count = models.PositiveSmallIntegerField(default=0, db_default=0)
    routed_by = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="The routing rule that chose the rep.",
    )

    class Meta:
        ordering = ["-handed_off_at", "-id"]
        indexes = [
            models.Index(fields=["assigned_to", "status"]),
            models.Index(
                fields=["campaign"],
                condition=models.Q(campaign__isnull=False),
                name="lead_campaign",
            ),
            models.Index(
                fields=["decided_by"],
                condition=models.Q(decided_by__isnull=False),
                name="lead_decided_by",
            ),
        ]
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


class ScoringProfile(models.Model):
    """The company's scoring settings (one row): threshold, decay, grade cut-offs.

    Read through ``scoring.profile()``, which falls back to these defaults when no row exists.
    """

    mql_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the TANDEM_MQL_THRESHOLD setting (default 50)."
    )
    half_life_days = models.FloatField(
        default=30.0, help_text="Engagement halves every this many days; 0 means no decay."
    )
    window_days = models.PositiveIntegerField(default=90, help_text="Older touches count nil.")
    fit_a = models.IntegerField(default=30, help_text="Fit points for letter A.")
    fit_b = models.IntegerField(default=20)
    fit_c = models.IntegerField(default=10)
    engagement_1 = models.IntegerField(default=60, help_text="Engagement points for band 1.")
    engagement_2 = models.IntegerField(default=30)
    engagement_3 = models.IntegerField(default=10)
    predictive_min_leads = models.PositiveIntegerField(
        default=200, help_text="Fewer labelled leads than this: no predictive model."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "scoring profile"


class TouchWeight(models.Model):
    """Engagement points for one kind of touch, and the most it may earn in one day."""

    kind = models.CharField(max_length=20, unique=True)
    points = models.PositiveIntegerField()
    daily_cap = models.PositiveIntegerField()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.points} (cap {self.daily_cap}/day)"


class IcpRule(models.Model):
    """One ideal-customer-profile rule: a registered rule type, the field it reads, the
    values that match, and the points a match earns. Unknown fields are refused at save."""

    kind = models.CharField(max_length=30, help_text="A registered rule type (scoring.RULE_TYPES).")
    field = models.CharField(max_length=50)
    values = models.JSONField(default=list, blank=True)
    points = models.IntegerField()
    label = models.CharField(max_length=200, help_text="Shown beside the points on the lead page.")
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.points:+d})"


class RoutingRule(models.Model):
    """A territory or segment rule: leads whose field matches (or who are in the segment) go
    to this team's round robin. Evaluated in order after the account owner."""

    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    field = models.CharField(
        max_length=50, blank=True, help_text="account.region, account.industry …"
    )
    values = models.JSONField(default=list, blank=True)
    segment = models.ForeignKey(
        "segments.Segment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("access.Team", on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceLevel(models.Model):
    """The two promises (one row): sales' first touch and follow-up cadence, and marketing's
    qualified leads per quarter derived from the revenue goal."""

    first_touch_hours = models.PositiveIntegerField(
        default=4, help_text="Working hours from hand-off to the rep's first touch."
    )
    warn_before_minutes = models.PositiveIntegerField(default=60)
    workday_start_hour = models.PositiveSmallIntegerField(default=9)
    workday_end_hour = models.PositiveSmallIntegerField(default=17)
    follow_up_attempts = models.PositiveSmallIntegerField(default=3)
    follow_up_days = models.PositiveSmallIntegerField(default=14)
    quarterly_revenue_goal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    minimum_acceptance_rate = models.FloatField(default=0.6)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "service levels"


class PredictiveModel(models.Model):
    """A trained predictive score: the fitted model, its evaluation on a later period, and
    whether it is in use. The newest ready one scores leads."""

    trained_at = models.DateTimeField(auto_now_add=True)
    is_ready = models.BooleanField(default=False)
    message = models.CharField(max_length=500, blank=True)
    training_rows = models.PositiveIntegerField(default=0)
    positives = models.PositiveIntegerField(default=0)
    evaluation = models.JSONField(default=dict, blank=True)
    blob = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"predictive model of {self.trained_at:%Y-%m-%d %H:%M}"
