"""Reads of survey answers: marketing sees them whole; sales only aggregates of five or more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from tandem.access import policies
from tandem.collaboration.models import (
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyStatus,
)
from tandem.people.models import AudienceType
from tandem.segments.models import SegmentMember

# No figure is shown to an aggregate-only reader for a group of fewer answers than this.
MIN_GROUP = 5


def reads_answers(user: Any) -> bool:
    """Whether ``user`` may read individual answers (marketing, leadership, admins)."""
    return policies.can(user, "view", "survey")


def reads_aggregates(user: Any) -> bool:
    """Whether ``user`` may read survey figures: everyone who reads answers, and sales."""
    return reads_answers(user) or bool(getattr(user, "is_sales", False))


def surveys_for_user(*, user: Any) -> QuerySet[Survey]:
    if reads_answers(user):
        return policies.visible(user, "survey", Survey.objects.select_related("owner"))
    if reads_aggregates(user):
        return Survey.objects.exclude(status=SurveyStatus.DRAFT).select_related("owner")
    return Survey.objects.none()


def survey_get_for_user(*, user: Any, survey_id: int) -> Survey:
    survey = Survey.objects.select_related("owner").filter(pk=survey_id).first()
    if survey is None:
        raise Http404("No such survey")
    if reads_answers(user) or (reads_aggregates(user) and survey.status != SurveyStatus.DRAFT):
        return survey
    raise PermissionDenied("Your role may not see this survey.")


@dataclass(frozen=True)
class Nps:
    """Net promoter score: per cent promoters (9–10) minus per cent detractors (0–6)."""

    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> int:
        return round(100 * (self.promoters - self.detractors) / self.answers)


@dataclass(frozen=True)
class Group:
    """NPS of one group (an audience type, a month); ``nps`` is None when suppressed."""

    label: str
    answers: int
    nps: Nps | None


@dataclass
class QuestionResult:
    """The figures of one question. ``suppressed``: too few answers to show to this reader."""

    question: Question
    answers: int
    suppressed: bool
    nps: Nps | None = None
    average: float | None = None
    distribution: list[tuple[str, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    by_audience: list[Group] = field(default_factory=list)
    by_month: list[Group] = field(default_factory=list)
    by_segment: list[Group] = field(default_factory=list)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    is_aggregate_only: bool
    questions: list[QuestionResult]


NPS_COUNTS = {
    "n": Count("id"),
    "promoters": Count("id", filter=Q(number__gte=9)),
    "passives": Count("id", filter=Q(number__gte=7, number__lte=8)),
    "detractors": Count("id", filter=Q(number__lte=6)),
}


def _nps(row: Mapping[str, Any]) -> Nps | None:
    if not row["n"]:
        return None
    return Nps(row["n"], row["promoters"], row["passives"], row["detractors"])


def _group(label: str, row: Mapping[str, Any], aggregate_only: bool) -> Group:
    hidden = aggregate_only and row["n"] < MIN_GROUP
    return Group(label=label, answers=row["n"], nps=None if hidden else _nps(row))


@dataclass(frozen=True)
class _Answer:
    response_id: int
    number: int
    audience_flags: int
    month: str
    contact_id: int | None


def _nps_of(numbers: list[int]) -> Nps | None:
    if not numbers:
        return None
    promoters = sum(1 for n in numbers if n >= 9)
    detractors = sum(1 for n in numbers if n <= 6)
    return Nps(len(numbers), promoters, len(numbers) - promoters - detractors, detractors)


def hidden_groups(
    groups: dict[str, set[int]], total: set[int], *, min_group: int = MIN_GROUP
) -> set[str]:
    """The groups an aggregate-only reader must not see, so that no fewer than ``min_group``
    answers can be isolated by subtraction.

    A group under ``min_group`` is hidden; then, while the answers outside every visible group
    (total minus their union) number 1 to ``min_group - 1``, or two visible groups differ by
    1 to ``min_group - 1`` answers, the smaller visible group involved is hidden too.
    """
    hidden = {label for label, ids in groups.items() if len(ids) < min_group}
    while True:
        visible = sorted(
            (label for label in groups if label not in hidden), key=lambda k: len(groups[k])
        )
        if not visible:
            return hidden
        union = set().union(*(groups[label] for label in visible))
        if 0 < len(total - union) < min_group:
            hidden.add(visible[0])
            continue
        leak = next(
            (
                a if len(groups[a]) <= len(groups[b]) else b
                for i, a in enumerate(visible)
                for b in visible[i + 1 :]
                if 0 < len(groups[a] - groups[b]) < min_group
                or 0 < len(groups[b] - groups[a]) < min_group
            ),
            None,
        )
        if leak is None:
            return hidden
        hidden.add(leak)


def _primary_audience(flags: int) -> AudienceType | None:
    # One audience per answer for aggregate-only readers, so the groups partition the answers.
    return next((a for a in PRIMARY_ORDER if flags & a.value), None)


PRIMARY_ORDER = (
    AudienceType.CUSTOMER,
    AudienceType.PROSPECT,
    AudienceType.PARTNER,
    AudienceType.COMPETITOR,
    AudienceType.MEDIA,
    AudienceType.CANDIDATE,
    AudienceType.EMPLOYEE,
    AudienceType.PUBLIC,
)


def _grouped(
    answers: list[_Answer], members: dict[str, set[int]], aggregate_only: bool
) -> list[Group]:
    by_id = {a.response_id: a.number for a in answers}
    total = set(by_id)
    hidden = hidden_groups(members, total) if aggregate_only else set()
    return [
        Group(
            label=label,
            answers=len(ids),
            nps=None if label in hidden else _nps_of([by_id[i] for i in ids]),
        )
        for label, ids in members.items()
        if ids
    ]


def _nps_groups(
    question_answers: QuerySet[SurveyAnswer], aggregate_only: bool
) -> tuple[list[Group], list[Group], list[Group]]:
    """NPS by audience type, by month and by segment, with small groups protected."""
    answers = [
        _Answer(rid, number or 0, flags, f"{at:%Y-%m}", contact_id)
        for rid, number, flags, at, contact_id in question_answers.exclude(number=None)
        .values_list(
            "response_id",
            "number",
            "response__audience_flags",
            "response__submitted_at",
            "response__contact_id",
        )
        .order_by("response__submitted_at")
    ]
    audiences: dict[str, set[int]] = {a.label: set() for a in PRIMARY_ORDER}
    for a in answers:
        if aggregate_only:
            primary = _primary_audience(a.audience_flags)
            if primary is not None:
                audiences[primary.label].add(a.response_id)
        else:
            for audience in AudienceType:
                if a.audience_flags & audience.value:
                    audiences[audience.label].add(a.response_id)
    months: dict[str, set[int]] = {}
    for a in answers:
        months.setdefault(a.month, set()).add(a.response_id)
    # Segments by current membership of named respondents; anonymous answers have no contact.
    by_contact: dict[int, list[int]] = {}
    for a in answers:
        if a.contact_id is not None:
            by_contact.setdefault(a.contact_id, []).append(a.response_id)
    segments: dict[str, set[int]] = {}
    for name, contact_id in SegmentMember.objects.filter(
        contact_id__in=list(by_contact)
    ).values_list("segment__name", "contact_id"):
        segments.setdefault(name, set()).update(by_contact[contact_id])
    return (
        _grouped(answers, audiences, aggregate_only),
        _grouped(answers, months, aggregate_only),
        _grouped(answers, dict(sorted(segments.items())), aggregate_only),
    )


def survey_results(*, user: Any, survey: Survey) -> SurveyResults:
    """The survey's figures for ``user``; for sales only aggregates, none under five answers.

    Free-text answers are never shown to aggregate-only readers: words can name their writer.
    """
    aggregate_only = not reads_answers(user)
    if aggregate_only and not reads_aggregates(user):
        raise PermissionDenied("Your role may not see survey results.")
    results = []
    for question in survey.questions.all():
        answers = SurveyAnswer.objects.filter(question=question)
        n = answers.count()
        result = QuestionResult(
            question=question, answers=n, suppressed=aggregate_only and n < MIN_GROUP
        )
        if n and not result.suppressed:
            if question.kind == QuestionKind.NPS:
                result.nps = _nps(answers.aggregate(**NPS_COUNTS))
                result.by_audience, result.by_month, result.by_segment = _nps_groups(
                    answers, aggregate_only
                )
            if question.kind in (QuestionKind.NPS, QuestionKind.RATING):
                counts = dict(
                    answers.values_list("number").annotate(c=Count("id")).order_by("number")
                )
                low, high = (0, 10) if question.kind == QuestionKind.NPS else (1, 5)
                result.distribution = [(str(v), counts.get(v, 0)) for v in range(low, high + 1)]
                result.average = round(sum(v * c for v, c in counts.items()) / n, 1)
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                picked: dict[str, int] = dict.fromkeys(question.choices, 0)
                for chosen in answers.values_list("choices", flat=True):
                    for choice in chosen:
                        picked[choice] = picked.get(choice, 0) + 1
                result.distribution = list(picked.items())
            elif not aggregate_only:
                result.texts = list(answers.order_by("-id").values_list("text", flat=True))
        results.append(result)
    return SurveyResults(
        survey=survey,
        responses=SurveyResponse.objects.filter(survey=survey).count(),
        is_aggregate_only=aggregate_only,
        questions=results,
    )


def responses_for_contact(*, user: Any, contact: Any) -> QuerySet[SurveyResponse]:
    """A contact's own (not anonymous) survey answers, for those who read answers."""
    if not reads_answers(user):
        return SurveyResponse.objects.none()
    return SurveyResponse.objects.filter(contact=contact).select_related("survey")


def nps_trend(*, since: dt.date) -> list[Group]:
    """NPS of every survey's NPS answers per month since ``since``, for the shared page.

    The shared page is read by sales too, so months with fewer than five answers are hidden.
    """
    answers = SurveyAnswer.objects.filter(
        question__kind=QuestionKind.NPS, response__submitted_at__date__gte=since
    )
    months = (
        answers.annotate(month=TruncMonth("response__submitted_at"))
        .values("month")
        .annotate(**NPS_COUNTS)
        .order_by("month")
    )
    return [_group(f"{row['month']:%Y-%m}", row, True) for row in months]


def responses_for_user(*, user: Any) -> QuerySet[SurveyResponse]:
    """Every individual response ``user`` may read: none for sales and employees."""
    surveys = policies.visible(user, "survey", Survey.objects.all())
    return SurveyResponse.objects.filter(survey__in=surveys)


def survey_responses_for_user(*, user: Any, survey: Survey) -> QuerySet[SurveyResponse]:
    """The individual responses to one survey, newest first, with who answered (unless
    anonymous); refused to anyone who reads only aggregates."""
    policies.require(user, "view", "survey", survey)
    return (
        SurveyResponse.objects.filter(survey=survey)
        .select_related("contact")
        .prefetch_related("answers__question")
    )
