"""Queries on campaigns and forms: lists, one campaign's numbers, its spend over time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from tandem.access import policies
from tandem.marketing.models import Campaign, LeadForm, Objective, SpendLine
from tandem.people.lifecycle import Stage
from tandem.people.models import AudienceType, LifecycleMove, Touch, TouchKind
from tandem.sales.models import Deal, PipelineStage

# What counts as engagement: the contact did something, not merely received something.
ENGAGED_KINDS = (
    TouchKind.EMAIL_OPEN,
    TouchKind.EMAIL_CLICK,
    TouchKind.PAGE_VISIT,
    TouchKind.FORM_SUBMISSION,
    TouchKind.EVENT,
    TouchKind.MEETING,
    TouchKind.CALL,
)


def _with_spent(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    spent = (
        SpendLine.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return campaigns.annotate(
        spent=Coalesce(Subquery(spent, output_field=money), Decimal(0), output_field=money)
    )


def campaigns_for_user(*, user: Any) -> QuerySet[Campaign]:
    """The campaigns ``user`` may see, each annotated with ``spent`` (sum of its spend lines)."""
    return policies.visible(user, "campaign", _with_spent(Campaign.objects.select_related("owner")))


def campaign_get_for_user(*, user: Any, campaign_id: int, with_spent: bool = False) -> Campaign:
    """The campaign if ``user`` may see it (else Http404 or PermissionDenied); ``with_spent``
    annotates ``spent`` as ``campaigns_for_user`` does."""
    campaigns = _with_spent(Campaign.objects.all()) if with_spent else Campaign.objects.all()
    return policies.get_visible(user, "campaign", campaigns, campaign_id)


def form_get_public(*, slug: str) -> LeadForm:
    try:
        return LeadForm.objects.select_related("campaign").get(slug=slug, is_active=True)
    except LeadForm.DoesNotExist:
        raise Http404("No such form") from None


@dataclass(frozen=True)
class ObjectiveMeasure:
    """The number that says whether a campaign met its objective, in words and as a count."""

    label: str
    value: int
    detail: str


@dataclass(frozen=True)
class CampaignNumbers:
    reach: int
    engagement: int
    leads: int
    mqls: int
    spent: Decimal
    measure: ObjectiveMeasure

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.leads:
            return None
        return (self.spent / self.leads).quantize(Decimal("0.01"))


def campaign_numbers(*, campaign: Campaign) -> CampaignNumbers:
    """Reach (contacts touched), engagement (their actions), leads and MQLs credited to the
    campaign, what it spent, and the measure that fits its objective. A handful of grouped
    queries, whatever the campaign's size."""
    touches = Touch.objects.filter(campaign=campaign)
    agg = touches.aggregate(
        reach=Count("contact_id", distinct=True),
        engagement=Count("id", filter=Q(kind__in=ENGAGED_KINDS)),
    )
    moves = dict(
        LifecycleMove.objects.filter(campaign=campaign, to_stage__in=[Stage.LEAD, Stage.MQL])
        .values_list("to_stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    spent = campaign.spend_lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    leads, mqls = moves.get(Stage.LEAD, 0), moves.get(Stage.MQL, 0)
    return CampaignNumbers(
        reach=agg["reach"],
        engagement=agg["engagement"],
        leads=leads,
        mqls=mqls,
        spent=spent,
        measure=_objective_measure(campaign, touches, agg, leads=leads, mqls=mqls),
    )


def _objective_measure(
    campaign: Campaign, touches: QuerySet[Touch], agg: dict[str, int], *, leads: int, mqls: int
) -> ObjectiveMeasure:
    objective = campaign.objective
    if objective == Objective.LEAD_GENERATION:
        return ObjectiveMeasure("MQLs", mqls, f"{leads} leads became {mqls} MQLs")
    if objective == Objective.PRODUCT_LAUNCH:
        return ObjectiveMeasure(
            "Engaged contacts",
            touches.filter(kind__in=ENGAGED_KINDS).values("contact_id").distinct().count(),
            f"reach {agg['reach']}, {agg['engagement']} engagements",
        )
    if objective == Objective.NEW_VERTICAL:
        in_vertical = touches.filter(account__industry__iexact=campaign.vertical)
        contacts = in_vertical.values("contact_id").distinct().count()
        engaged = in_vertical.filter(kind__in=ENGAGED_KINDS).count()
        return ObjectiveMeasure(
            f"Contacts in {campaign.vertical or 'the vertical'}",
            contacts,
            f"{engaged} engagements from {campaign.vertical or 'that industry'}",
        )
    if objective == Objective.RECRUITING:
        signups = (
            touches.filter(kind=TouchKind.FORM_SUBMISSION)
            .annotate(flags=F("contact__audience_flags").bitand(AudienceType.CANDIDATE))
            .filter(flags__gt=0)
            .values("contact_id")
            .distinct()
            .count()
        )
        return ObjectiveMeasure("Candidate sign-ups", signups, "candidates who sent a form")
    # Retention: repeat purchases won by accounts the campaign touched before the close.
    repeat = (
        Deal.objects.filter(
            is_repeat_purchase=True,
            stage__outcome=PipelineStage.Outcome.WON,
            account__touches__campaign=campaign,
            account__touches__occurred_at__lte=F("closed_at"),
        )
        .values("pk")
        .distinct()
        .count()
    )
    return ObjectiveMeasure("Repeat purchases", repeat, "won by customers it touched first")


def spend_by_month(*, campaign: Campaign) -> list[dict[str, Any]]:
    """Spend per month, and the running total, for the spend-over-time chart."""
    rows: dict[str, Decimal] = {}
    for day, amount in campaign.spend_lines.values_list("spent_on", "amount"):
        key = f"{day:%Y-%m}"
        rows[key] = rows.get(key, Decimal(0)) + amount
    total = Decimal(0)
    out = []
    for month in sorted(rows):
        total += rows[month]
        out.append({"month": month, "spent": float(rows[month]), "total": float(total)})
    return out


def campaign_status_counts(*, campaigns: list[Campaign], today: dt.date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in campaigns:
        status = c.status_on(today)
        counts[status] = counts.get(status, 0) + 1
    return counts


def form_get_for_user(*, user: Any, form_id: int) -> LeadForm:
    return policies.get_visible(
        user, "lead_form", LeadForm.objects.select_related("campaign"), form_id
    )


def forms_for_user(*, user: Any) -> QuerySet[LeadForm]:
    return policies.visible(user, "lead_form", LeadForm.objects.select_related("campaign"))


def spend_line_get(*, campaign: Campaign, line_id: int) -> SpendLine:
    """One of a campaign's spend lines; 404 when the campaign has no such line."""
    found = SpendLine.objects.filter(pk=line_id, campaign=campaign).first()
    if found is None:
        raise Http404("No such spend line")
    return found


def forms_with_counts() -> QuerySet[LeadForm]:
    """Every lead form by name with its campaign and how many submissions it has had."""
    return (
        LeadForm.objects.select_related("campaign")
        .annotate(submission_count=Count("submissions"))
        .order_by("name")
    )


def campaigns_by_name() -> QuerySet[Campaign]:
    """Every campaign by name, to credit a form's submissions to."""
    return Campaign.objects.order_by("name")
