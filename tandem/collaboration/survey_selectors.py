"""Reads of survey answers: marketing sees them whole; sales only aggregates of five or more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
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


def _nps_groups(answers: QuerySet[SurveyAnswer], aggregate_only: bool) -> tuple[list, list]:
    flags = answers.annotate(
        **{
            f"is_{a.name.lower()}": F("response__audience_flags").bitand(a.value)
            for a in AudienceType
        }
    ).aggregate(
        **{
            f"{a.name.lower()}_{key}": Count(
                "id", filter=Q(**{f"is_{a.name.lower()}__gt": 0}) & (expr.filter or Q())
            )
            for a in AudienceType
            for key, expr in NPS_COUNTS.items()
        }
    )
    by_audience = []
    for a in AudienceType:
        row = {key: flags[f"{a.name.lower()}_{key}"] for key in NPS_COUNTS}
        if row["n"]:
            by_audience.append(_group(a.label, row, aggregate_only))
    months = (
        answers.annotate(month=TruncMonth("response__submitted_at"))
        .values("month")
        .annotate(**NPS_COUNTS)
        .order_by("month")
    )
    by_month = [_group(f"{row['month']:%Y-%m}", row, aggregate_only) for row in months]
    return by_audience, by_month


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
                result.by_audience, result.by_month = _nps_groups(answers, aggregate_only)
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
