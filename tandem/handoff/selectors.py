"""Queries on hand-offs: a rep's queue, leads a user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from tandem.access import policies
from tandem.access.models import Team, User
from tandem.access.roles import Role
from tandem.handoff import icp_rules
from tandem.handoff.models import IcpRule, Lead, PredictiveModel, RejectionReason, RoutingRule
from tandem.handoff.nurture import NURTURE_SEGMENT_NAME
from tandem.people.lifecycle import FORWARD_ORDER, Stage
from tandem.people.models import StageRule
from tandem.segments.models import Segment, SegmentMember


def leads_for_user(*, user: Any, status: str = "") -> QuerySet[Lead]:
    qs = policies.visible(
        user, "lead", Lead.objects.select_related("contact__account", "assigned_to", "campaign")
    )
    return qs.filter(status=status) if status else qs


def lead_queue(*, user: Any) -> QuerySet[Lead]:
    """The waiting leads this user may answer, oldest first: a rep's own, a manager's team's."""
    waiting = Lead.objects.filter(status=Lead.Status.WAITING).select_related(
        "contact__account", "assigned_to", "campaign"
    )
    return policies.visible(user, "lead", waiting, action="change").order_by("handed_off_at")


def lead_get_for_user(*, user: Any, lead_id: int) -> Lead:
    return policies.get_visible(
        user,
        "lead",
        Lead.objects.select_related("contact__account", "assigned_to", "campaign"),
        lead_id,
    )


# --- Reps: their lead capacity and whether they are away -----------------------------------


def people_for_capacity(*, user: Any) -> QuerySet:
    """Everyone whose lead capacity and away flag ``user`` may see (a manager's team, one's
    own row, everyone for admins), of any role: ``reps_for_user`` narrows to who takes leads."""

    return policies.visible(
        user, "rep_availability", User.objects.filter(is_active=True).select_related("team")
    )


def reps_for_user(*, user: Any) -> QuerySet:
    """The sales reps (who are routed leads) ``user`` may see, by team and name, with their
    waiting leads counted in the same query."""

    return (
        people_for_capacity(user=user)
        .filter(role=Role.SALES_REP)
        .annotate(waiting=Count("leads", filter=Q(leads__status=Lead.Status.WAITING)))
        .order_by("team__name", "first_name", "last_name", "username")
    )


def rep_get_for_user(*, user: Any, rep_id: int) -> Any:
    """One person's lead capacity and away flag, if ``user`` may see them (404, 403 else)."""

    return policies.get_visible(
        user,
        "rep_availability",
        User.objects.filter(is_active=True).select_related("team"),
        rep_id,
    )


# --- The lifecycle, measured from its history ------------------------------------------------


@dataclass
class StageStat:
    stage: str
    label: str
    entered: int
    left: int
    average_days: float | None
    next_stage: str | None = None
    converted: int = 0

    @property
    def conversion(self) -> float | None:
        return self.converted / self.entered if self.entered and self.next_stage else None


def lifecycle_report(*, since: dt.datetime, until: dt.datetime) -> list[StageStat]:
    """For each stage: contacts that entered it in the period, the average time they spent in
    it before their next move, and how many of them went on to the next forward stage (at
    any later time). Computed from ``LifecycleMove`` rows with two grouped queries."""
    if connection.vendor == "postgresql":
        hours = "EXTRACT(EPOCH FROM (next_at - moved_at)) / 86400.0"
    else:
        hours = "julianday(next_at) - julianday(moved_at)"
    at = connection.ops.adapt_datetimefield_value
    stay_sql = f"""
        SELECT to_stage, COUNT(*), COUNT(next_at), AVG({hours})
        FROM (
            SELECT to_stage, moved_at,
                   LEAD(moved_at) OVER (PARTITION BY contact_id ORDER BY moved_at, id) AS next_at
            FROM people_lifecyclemove
        ) m
        WHERE moved_at >= %s AND moved_at < %s
        GROUP BY to_stage
    """  # noqa: S608 -- only the vendor's date arithmetic is formatted in
    pairs = list(zip(FORWARD_ORDER, FORWARD_ORDER[1:], strict=False))
    pair_rows = " UNION ALL ".join("SELECT %s AS a, %s AS b" for _ in pairs)
    convert_sql = f"""
        WITH firsts AS (
            SELECT contact_id, to_stage, MIN(moved_at) AS first_at
            FROM people_lifecyclemove GROUP BY contact_id, to_stage
        ), pairs AS ({pair_rows})
        SELECT p.a, COUNT(*)
        FROM pairs p
        JOIN firsts x ON x.to_stage = p.a AND x.first_at >= %s AND x.first_at < %s
        JOIN firsts y ON y.contact_id = x.contact_id AND y.to_stage = p.b
                     AND y.first_at >= x.first_at
        GROUP BY p.a
    """  # noqa: S608 -- only placeholders are formatted in
    with connection.cursor() as cursor:
        cursor.execute(stay_sql, [at(since), at(until)])
        stays = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(convert_sql, [v for pair in pairs for v in pair] + [at(since), at(until)])
        converted = dict(cursor.fetchall())
    following = dict(pairs)
    report = []
    for stage in [*FORWARD_ORDER, Stage.RECYCLED, Stage.DISQUALIFIED]:
        entered, left, average = stays.get(stage, (0, 0, None))
        report.append(
            StageStat(
                stage=stage,
                label=Stage(stage).label,
                entered=entered,
                left=left,
                average_days=round(float(average), 1) if average is not None else None,
                next_stage=following.get(stage),
                converted=converted.get(stage, 0),
            )
        )
    return report


# --- Feedback: why sales turned leads back, for marketing -----------------------------------


@dataclass
class FeedbackRow:
    group: str
    decided: int = 0
    rejected: int = 0
    reasons: dict[str, int] | None = None

    @property
    def rejection_rate(self) -> float | None:
        return self.rejected / self.decided if self.decided else None


FEEDBACK_GROUPS = {
    "campaign": ("campaign__name", "No campaign"),
    "source": ("contact__last_touch_source", "Unknown source"),
    "segment": ("segment__name", "In no segment"),  # read by _feedback_by_segment
    "grade": ("grade_at_handoff", "Not graded"),
}


def lead_feedback(*, by: str, since: dt.datetime, until: dt.datetime) -> list[FeedbackRow]:
    """Leads decided in the period, grouped by campaign, source, segment or grade at hand-off:
    how many were decided, how many rejected, and the reasons. Grouped queries."""

    field, blank = FEEDBACK_GROUPS[by]
    decided = Lead.objects.filter(decided_at__gte=since, decided_at__lt=until)
    if by == "segment":
        counts = _feedback_by_segment(decided, since=since, until=until)
    else:
        counts = [
            (item[field], item["status"], item["rejection_reason"], item["n"])
            for item in decided.values(field, "status", "rejection_reason")
            .annotate(n=Count("id"))
            .order_by()
        ]
    rows: dict[str, FeedbackRow] = {}
    for group, status, reason, n in counts:
        name = group or blank
        row = rows.setdefault(name, FeedbackRow(group=name, reasons={}))
        row.decided += n
        if status == Lead.Status.REJECTED:
            row.rejected += n
            assert row.reasons is not None
            label = RejectionReason(reason).label
            row.reasons[label] = row.reasons.get(label, 0) + n
    return sorted(rows.values(), key=lambda r: (-r.rejected, r.group))


def _feedback_by_segment(
    decided: QuerySet[Lead], *, since: dt.datetime, until: dt.datetime
) -> list[tuple[str | None, str, str, int]]:
    """(segment, status, reason, leads) of the decided leads by their contact's segments. The
    nurture segment is where recycled leads go, not where they came from: it is left out, and
    a lead whose contact is in no other segment counts as in none."""

    memberships = SegmentMember.objects.exclude(segment__name=NURTURE_SEGMENT_NAME)
    # One filter() call: the leads' join is the one the values and the count then read.
    in_segments = (
        memberships.filter(
            contact__leads__decided_at__gte=since, contact__leads__decided_at__lt=until
        )
        .values("segment__name", "contact__leads__status", "contact__leads__rejection_reason")
        .annotate(n=Count("contact__leads__id"))
        .order_by()
    )
    in_none = (
        decided.filter(~Exists(memberships.filter(contact_id=OuterRef("contact_id"))))
        .values("status", "rejection_reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        *(
            (
                item["segment__name"],
                item["contact__leads__status"],
                item["contact__leads__rejection_reason"],
                item["n"],
            )
            for item in in_segments
        ),
        *((None, item["status"], item["rejection_reason"], item["n"]) for item in in_none),
    ]


@dataclass(frozen=True)
class IcpRulesInForce:
    """The ICP rules that score fit: the company's own active rules, or, while it has none,
    the default rules (``defaults``; empty once it has some)."""

    saved: list[IcpRule]
    defaults: tuple[icp_rules.Rule, ...]


def icp_rules_in_force() -> IcpRulesInForce:
    """Whether the default rules apply, decided once for the set-up page and the API: as the
    scoring reads them, they do while no saved rule is active."""
    saved = list(IcpRule.objects.filter(is_active=True))
    return IcpRulesInForce(saved=saved, defaults=() if saved else icp_rules.DEFAULT_RULES)


# --- The set-up page's lists ------------------------------------------------------------------


def routing_rules() -> QuerySet[RoutingRule]:
    """Territory and segment rules in the order they are tried (after the account owner)."""
    return RoutingRule.objects.select_related("team", "segment")


def stage_rules_by_stage() -> dict[str, StageRule]:
    """The company's entry rules for lifecycle stages, by stage (a stage without one follows
    the default moves)."""
    return {rule.stage: rule for rule in StageRule.objects.all()}


def routing_teams() -> QuerySet[Team]:
    """The teams a routing rule may send leads to, by name."""
    return Team.objects.order_by("name")


def routing_segments() -> QuerySet[Segment]:
    """The segments a routing rule may match, by name (only what the picker shows)."""
    return Segment.objects.order_by("name").only("pk", "name")


def icp_rule_get(*, rule_id: int) -> IcpRule:
    """The ICP rule with this id; 404 when there is none (the set-up right is the service's)."""
    return get_object_or_404(IcpRule, pk=rule_id)


def stage_rule_get(*, rule_id: int) -> StageRule:
    """The lifecycle stage's entry rule with this id; 404 when there is none."""
    return get_object_or_404(StageRule, pk=rule_id)


def routing_rule_get(*, rule_id: int) -> RoutingRule:
    """The routing rule with this id; 404 when there is none."""
    return get_object_or_404(RoutingRule, pk=rule_id)


def predictive_model_latest() -> PredictiveModel | None:
    """The model scoring leads now (the newest ready one), else the newest tried; no blob."""
    return (
        PredictiveModel.objects.filter(is_ready=True).defer("blob").first()
        or PredictiveModel.objects.defer("blob").first()
    )
