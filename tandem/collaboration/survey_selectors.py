"""Reads of survey answers: marketing reads them whole; every figure, for everyone, comes from
the survey's release (``collaboration.survey_releases``): groups under five answers say so,
and figures move only in steps that keep any one answer hidden."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from tandem.access import policies
from tandem.collaboration.models import (
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyRelease,
    SurveyResponse,
    SurveyStatus,
)
from tandem.collaboration.survey_groups import DIMENSIONS, PRIMARY_ORDER
from tandem.collaboration.survey_releases import FEWER, MIN_GROUP, TOTAL

__all__ = ["MIN_GROUP"]


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
    """NPS of one group (an audience type, a month …). ``status`` is ``shown``, ``fewer``
    (under five answers: neither count nor NPS) or ``withheld`` (shown, it would let a few
    answers be worked out); ``answers`` and ``nps`` are None unless shown."""

    label: str
    answers: int | None
    nps: Nps | None
    status: str = "shown"


@dataclass
class QuestionResult:
    """The released figures of one question. ``suppressed``: fewer than five answers released,
    so none is shown (``answers`` is None then)."""

    question: Question
    answers: int | None
    suppressed: bool
    nps: Nps | None = None
    average: float | None = None
    distribution: list[tuple[str, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    by_audience: list[Group] = field(default_factory=list)
    by_month: list[Group] = field(default_factory=list)
    by_segment: list[Group] = field(default_factory=list)
    by_product: list[Group] = field(default_factory=list)
    # Rating and choice questions: the distribution per group, by dimension (audience,
    # month, segment, product).
    distributions_by: dict[str, list[GroupDistribution]] = field(default_factory=dict)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    released_at: dt.datetime | None
    is_aggregate_only: bool
    questions: list[QuestionResult]


@dataclass(frozen=True)
class GroupDistribution:
    """How one group (a segment, a product, a month …) answered a rating or choice question;
    ``status`` as for ``Group``: ``answers`` and ``distribution`` are None unless shown."""

    label: str
    answers: int | None
    distribution: list[tuple[str, int]] | None
    status: str = "shown"


def _nps_of(numbers: list[int]) -> Nps | None:
    if not numbers:
        return None
    promoters = sum(1 for n in numbers if n >= 9)
    detractors = sum(1 for n in numbers if n <= 6)
    return Nps(len(numbers), promoters, len(numbers) - promoters - detractors, detractors)


def _counts(question: Question, picked: list[Any]) -> list[tuple[str, int]]:
    if question.kind in (QuestionKind.NPS, QuestionKind.RATING):
        low, high = (0, 10) if question.kind == QuestionKind.NPS else (1, 5)
        return [(str(v), sum(1 for n in picked if n == v)) for v in range(low, high + 1)]
    tally: dict[str, int] = dict.fromkeys(question.choices, 0)
    for chosen in picked:
        for choice in chosen:
            tally[choice] = tally.get(choice, 0) + 1
    return list(tally.items())


AUDIENCE_ORDER = {a.label: i for i, a in enumerate(PRIMARY_ORDER)}


def _order(key: str) -> tuple[int, int, str]:
    dimension, _, label = key.partition(":")
    return (DIMENSIONS.index(dimension), AUDIENCE_ORDER.get(label, 0), label)


def _question_result(
    question: Question, release: SurveyRelease | None, aggregate_only: bool
) -> QuestionResult:
    qid = str(question.pk)
    published: dict[str, list[int]] = release.published.get(qid, {}) if release else {}
    listed: dict[str, str] = release.listed.get(qid, {}) if release else {}
    total = published.get(TOTAL)
    result = QuestionResult(
        question=question, answers=len(total) if total else None, suppressed=not total
    )
    if question.kind == QuestionKind.TEXT:
        if not aggregate_only:
            answers = SurveyAnswer.objects.filter(question=question)
            result.texts = list(answers.order_by("-id").values_list("text", flat=True))
        return result
    if not total:
        return result
    field_name = (
        "choices" if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else "number"
    )
    wanted = {i for ids in published.values() for i in ids}
    value_of = dict(
        SurveyAnswer.objects.filter(question=question, response_id__in=wanted).values_list(
            "response_id", field_name
        )
    )

    def values(ids: list[int]) -> list[Any]:
        return [value_of[i] for i in ids if i in value_of]

    result.distribution = _counts(question, values(total))
    if question.kind in (QuestionKind.NPS, QuestionKind.RATING):
        numbers = values(total)
        result.average = round(sum(numbers) / len(numbers), 1) if numbers else None
    keys = sorted((k for k in [*published, *listed] if k != TOTAL), key=_order)
    by_dimension: dict[str, list[Any]] = {d: [] for d in DIMENSIONS}
    for key in keys:
        dimension, _, label = key.partition(":")
        ids = published.get(key)
        status = "shown" if ids else listed.get(key, FEWER)
        if question.kind == QuestionKind.NPS:
            by_dimension[dimension].append(
                Group(
                    label, len(ids) if ids else None, _nps_of(values(ids)) if ids else None, status
                )
            )
        else:
            by_dimension[dimension].append(
                GroupDistribution(
                    label,
                    len(ids) if ids else None,
                    _counts(question, values(ids)) if ids else None,
                    status,
                )
            )
    if question.kind == QuestionKind.NPS:
        result.nps = _nps_of(values(total))
        result.by_audience, result.by_month = by_dimension["audience"], by_dimension["month"]
        result.by_segment, result.by_product = by_dimension["segment"], by_dimension["product"]
    else:
        result.distributions_by = by_dimension
    return result


def survey_results(*, user: Any, survey: Survey) -> SurveyResults:
    """The survey's released figures for ``user``: the same for every reader, none for a group
    under five answers, moving only in steps that keep any one answer hidden.

    Free-text answers are shown only to those who read individual answers (marketing):
    words can name their writer.
    """
    aggregate_only = not reads_answers(user)
    if aggregate_only and not reads_aggregates(user):
        raise PermissionDenied("Your role may not see survey results.")
    release = SurveyRelease.objects.filter(survey=survey).first()
    return SurveyResults(
        survey=survey,
        responses=release.responses if release else 0,
        released_at=release.released_at if release else None,
        is_aggregate_only=aggregate_only,
        questions=[_question_result(q, release, aggregate_only) for q in survey.questions.all()],
    )


def nps_trend(*, since: dt.date) -> list[Group]:
    """NPS of every survey's released NPS answers per month since ``since``, for the shared
    page: the sum of the month groups each survey's release publishes, so the trend tells
    nothing a survey page does not (a month no survey published is left out)."""
    nps_questions = set(Question.objects.filter(kind=QuestionKind.NPS).values_list("pk", flat=True))
    first = f"{since:%Y-%m}"
    months: dict[str, list[tuple[int, int]]] = {}
    for published in SurveyRelease.objects.values_list("published", flat=True):
        for qid, groups in published.items():
            if int(qid) not in nps_questions:
                continue
            for key, ids in groups.items():
                dimension, _, month = key.partition(":")
                if dimension == "month" and month >= first:
                    months.setdefault(month, []).extend((int(qid), i) for i in ids)
    wanted = {pair for pairs in months.values() for pair in pairs}
    number_of = {
        (q, r): n
        for q, r, n in SurveyAnswer.objects.filter(
            question_id__in={q for q, _ in wanted}, response_id__in={r for _, r in wanted}
        ).values_list("question_id", "response_id", "number")
    }
    trend = []
    for month in sorted(months):
        numbers = [n for n in (number_of.get(p) for p in months[month]) if n is not None]
        trend.append(Group(label=month, answers=len(numbers), nps=_nps_of(numbers)))
    return trend


def responses_for_contact(*, user: Any, contact: Any) -> QuerySet[SurveyResponse]:
    """A contact's own (not anonymous) survey answers, for those who read answers."""
    if not reads_answers(user):
        return SurveyResponse.objects.none()
    return SurveyResponse.objects.filter(contact=contact).select_related("survey")


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
