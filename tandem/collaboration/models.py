"""Working together: comments with mentions, notifications, preferences, cross-training."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# A comment or an assignment points at exactly one record through explicit nullable foreign
# keys rather than a generic relation: the database keeps them honest (cascades, joins), and
# the timeline and permission checks filter on plain columns.
TARGET_FIELDS = ("contact", "account", "deal", "campaign", "segment", "content_asset")
# Cross-training is on the other team's work: a campaign or content piece, or a deal.
ASSIGNMENT_TARGETS = ("campaign", "content_asset", "deal")


def _one_target(prefix: str, fields: tuple[str, ...] = TARGET_FIELDS) -> models.CheckConstraint:
    cases = []
    for name in fields:
        cases.append(
            Q(**{f"{name}__isnull": False})
            & Q(**{f"{other}__isnull": True for other in fields if other != name})
        )
    condition = cases[0]
    for case in cases[1:]:
        condition |= case
    return models.CheckConstraint(condition=condition, name=f"{prefix}_exactly_one_target")


class Comment(models.Model):
    """A remark by one colleague on a contact, account, deal, campaign, segment or content
    asset, plain text only."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=5000, help_text="Plain text; escaped when shown.")
    contact = models.ForeignKey(
        "people.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    account = models.ForeignKey(
        "people.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    segment = models.ForeignKey(
        "segments.Segment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    content_asset = models.ForeignKey(
        "marketing.ContentAsset",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    mentioned = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Only the people mentioned who may see the record.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [_one_target("comment")]
        indexes = [
            models.Index(fields=["contact", "created_at"]),
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["deal", "created_at"]),
            models.Index(fields=["campaign", "created_at"]),
            models.Index(fields=["segment", "created_at"]),
            models.Index(fields=["content_asset", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"

    @property
    def target(self) -> models.Model:
        return next(getattr(self, f) for f in TARGET_FIELDS if getattr(self, f"{f}_id"))


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Never (in-app only)"


class NotificationPreference(models.Model):
    """How a person wants to hear about notifications by email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(
        max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.email_mode}"


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mention"
    ASSIGNMENT = "assignment", "Cross-training assignment"
    NEGATIVE_TOUCH = "negative_touch", "Negative touch on an open deal"
    # The hand-off's service level (tandem.handoff.tasks.sla_check).
    SLA_WARNING = "sla_warning", "First touch due soon"
    SLA_BREACH = "sla_breach", "Service level broken"
    # Outbound webhooks (tandem.webhooks.failures): an endpoint off after a day of failures.
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint disabled"


class Notification(models.Model):
    """Something a person should see in their inbox, and perhaps by email."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, help_text="Where the record lives in Tandem.")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    assignment = models.ForeignKey(
        "collaboration.Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    touch = models.ForeignKey(
        "people.Touch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"to {self.recipient}: {self.text}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class AssignmentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Under way"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class AssignmentRole(models.TextChoices):
    CONTRIBUTOR = "contributor", "Contributor"
    OBSERVER = "observer", "Observer"


class Assignment(models.Model):
    """Cross-training: a person from one team put into the other team's work for a while.

    A sales rep contributes to a campaign or a content piece; a marketer observes a sales call
    or meeting on a deal.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=20, choices=AssignmentRole.choices)
    campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    content_asset = models.ForeignKey(
        "marketing.ContentAsset",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    person_team_kind = models.CharField(
        max_length=20, help_text="The person's team kind when assigned, for counts per team."
    )
    goal = models.CharField(max_length=500)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.PLANNED
    )
    debrief = models.TextField(blank=True, max_length=5000)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            _one_target("assignment", ASSIGNMENT_TARGETS),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["starts_on"])]

    def __str__(self) -> str:
        return f"{self.person} on {self.target}"

    @property
    def target(self) -> models.Model:
        target = next(
            (getattr(self, f) for f in ASSIGNMENT_TARGETS if getattr(self, f"{f}_id")), None
        )
        if target is None:  # the check constraint makes this impossible for a saved row
            raise ValueError("an assignment needs a campaign, a content asset or a deal")
        return target


# --- Voice of the customer ------------------------------------------------------------------


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Survey(models.Model):
    """Marketing's own channel to hear customers; sales sees its answers only in aggregate."""

    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    allows_anonymous = models.BooleanField(
        default=False, help_text="Respondents may choose not to have their name kept."
    )
    status = models.CharField(
        max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    public_slug = models.SlugField(
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text="Set when the survey also has a public page anyone with the address can answer.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    NPS = "nps", "How likely to recommend (0–10)"
    RATING = "rating", "Rating (1–5)"
    SINGLE = "single", "One choice"
    MULTIPLE = "multiple", "Several choices"
    TEXT = "text", "Free text"


class Question(models.Model):
    """One question of a survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(max_length=300)
    choices = models.JSONField(default=list, blank=True)
    is_required = models.BooleanField(default=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def key(self) -> str:
        """The name of its answer in a submitted form: ``q1``, ``q2`` …"""
        return f"q{self.position}"


class SurveyInvitation(models.Model):
    """A survey sent to one contact, with the signed link in their email."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "contact"], name="invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.contact}"


class SurveyResponse(models.Model):
    """One respondent's answers to a survey; at most one per respondent.

    ``respondent_key`` is a keyed hash of survey and contact, so a second answer is refused
    even when the first was anonymous and ``contact`` is empty.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    contact = models.ForeignKey(
        "people.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    respondent_key = models.CharField(max_length=64)
    is_anonymous = models.BooleanField(default=False)
    audience_flags = models.PositiveIntegerField(
        default=0, help_text="The respondent's audience types when they answered."
    )
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="survey_response_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {'anonymous' if self.is_anonymous else self.contact}"


class SurveyAnswer(models.Model):
    """The answer to one question: a number (NPS, rating), choices, or text."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True, max_length=5000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.question}: {self.number if self.number is not None else self.choices}"


class SurveyRelease(models.Model):
    """What a survey's figures show, on every door and to every reader: the answers released
    so far, cut in steps that keep any one answer hidden (``collaboration.survey_releases``).

    ``published`` holds, per question id, the groups shown (``"total"``, ``"month:2026-06"``,
    ``"product:Sensor"`` …) with the response ids they were computed from; ``listed`` the
    groups named but not shown (``"fewer"``: under five answers, ``"withheld"``: shown, they
    would let a few answers be worked out); ``history`` every set of response ids ever shown,
    which each later release is checked against.
    """

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="release")
    through_response_id = models.BigIntegerField(
        default=0, help_text="Responses up to this id are released."
    )
    responses = models.PositiveIntegerField(default=0)
    published = models.JSONField(default=dict)
    listed = models.JSONField(default=dict)
    history = models.JSONField(default=dict)
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.survey}: {self.responses} responses released"
