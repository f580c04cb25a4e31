"""Reads of survey answers: marketing sees them whole; sales only aggregates of five or more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

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
from tandem.orders.models import OrderLine, OrderStatus
from tandem.people.models import AudienceType, Contact
from tandem.segments.models import SegmentMember

K = TypeVar("K")

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
    by_product: list[Group] = field(default_factory=list)
    # Rating and choice questions: the distribution per group, by dimension (audience,
    # month, segment, product).
    distributions_by: dict[str, list[GroupDistribution]] = field(default_factory=dict)


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
    groups: Mapping[K, set[int]],
    total: set[int],
    *,
    min_group: int = MIN_GROUP,
    expendable: Callable[[K], int] | None = None,
) -> set[K]:
    """The groups an aggregate-only reader must not see, so that no fewer than ``min_group``
    answers can be isolated by adding and subtracting what is shown.

    Whatever a reader can compute from the total and the visible groups (sums and
    differences, including the overlap of two groups when one respondent is in several) is
    a union of *atoms*: the sets of answers that lie in exactly the same visible groups. So
    while some atom holds 1 to ``min_group - 1`` answers, one more group is hidden, merging
    that atom with a neighbour: the smallest visible group among those holding the atom (or,
    for the answers outside every visible group, the smallest visible group). ``expendable``
    ranks groups to hide first (lower first), e.g. overlapping groups before a partition.
    """
    rank = expendable or (lambda _key: 0)
    hidden = {label for label, ids in groups.items() if len(ids) < min_group}
    while True:
        visible = [label for label in groups if label not in hidden]
        if not visible:
            return hidden
        signature: dict[int, set[int]] = {rid: set() for rid in total}
        for i, label in enumerate(visible):
            for rid in groups[label]:
                signature.setdefault(rid, set()).add(i)
        atoms: dict[frozenset[int], int] = {}
        for positions in signature.values():
            key = frozenset(positions)
            atoms[key] = atoms.get(key, 0) + 1
        small = sorted((sorted(key) for key, n in atoms.items() if n < min_group))
        if not small:
            return hidden
        atom = frozenset(small[0])
        # Hiding group i merges the atom with the one that differs from it only by i; prefer
        # a group whose neighbouring atom has answers, so the small one is actually absorbed.
        merging = [i for i in range(len(visible)) if atoms.get(atom ^ {i}, 0)]
        choices = merging or sorted(atom) or list(range(len(visible)))
        chosen = min(choices, key=lambda i: (rank(visible[i]), len(groups[visible[i]]), i))
        hidden.add(visible[chosen])


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


# The groupings of NPS answers. Segments and products overlap (one respondent may be in
# several), audiences (primary audience only, for aggregate-only readers) and months do not;
# when something must be withheld, overlapping groups go first.
DIMENSIONS = ("audience", "month", "segment", "product")
OVERLAPPING = ("segment", "product")
BOUGHT = (OrderStatus.DELIVERED, OrderStatus.INVOICED)


def products_by_contact(contact_ids: list[int]) -> dict[int, set[str]]:
    """The products each contact's company bought: the lines of delivered or invoiced orders
    of the contact's account, or of deals on the contact when there is no account."""
    if not contact_ids:
        return {}
    account_of = dict(Contact.objects.filter(pk__in=contact_ids).values_list("id", "account_id"))
    accounts = {a for a in account_of.values() if a is not None}
    lines = (
        OrderLine.objects.filter(order__status__in=BOUGHT)
        .filter(Q(order__account_id__in=accounts) | Q(order__deal__contact_id__in=contact_ids))
        .values_list("product__name", "order__account_id", "order__deal__contact_id")
        .distinct()
    )
    by_account: dict[int, set[str]] = {}
    by_contact: dict[int, set[str]] = {}
    for name, account_id, contact_id in lines:
        if account_id is not None:
            by_account.setdefault(account_id, set()).add(name)
        if contact_id is not None:
            by_contact.setdefault(contact_id, set()).add(name)
    products: dict[int, set[str]] = {}
    for contact_id, account_id in account_of.items():
        bought = by_contact.get(contact_id, set()) | by_account.get(account_id or -1, set())
        if bought:
            products[contact_id] = bought
    return products


def _groupings(
    question_answers: QuerySet[SurveyAnswer], aggregate_only: bool
) -> tuple[dict[str, dict[str, set[int]]], set[tuple[str, str]]]:
    """The answers' response ids by audience type, month, segment and product, and the
    groups an aggregate-only reader must not see.

    For an aggregate-only reader the groups of every dimension are protected together: a
    month and a product seen side by side must not isolate a few answers either.
    """
    answers = [
        _Answer(rid, 0, flags, f"{at:%Y-%m}", contact_id)
        for rid, flags, at, contact_id in question_answers.values_list(
            "response_id",
            "response__audience_flags",
            "response__submitted_at",
            "response__contact_id",
        ).order_by("response__submitted_at")
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
    # Segments and products of named respondents; anonymous answers have no contact.
    by_contact: dict[int, list[int]] = {}
    for a in answers:
        if a.contact_id is not None:
            by_contact.setdefault(a.contact_id, []).append(a.response_id)
    segments: dict[str, set[int]] = {}
    for name, contact_id in SegmentMember.objects.filter(
        contact_id__in=list(by_contact)
    ).values_list("segment__name", "contact_id"):
        segments.setdefault(name, set()).update(by_contact[contact_id])
    products: dict[str, set[int]] = {}
    for contact_id, names in products_by_contact(list(by_contact)).items():
        for name in names:
            products.setdefault(name, set()).update(by_contact[contact_id])
    dimensions = {
        "audience": {label: ids for label, ids in audiences.items() if ids},
        "month": months,
        "segment": dict(sorted(segments.items())),
        "product": dict(sorted(products.items())),
    }
    hidden: set[tuple[str, str]] = set()
    if aggregate_only:
        hidden = hidden_groups(
            {
                (dim, label): ids
                for dim, groups in dimensions.items()
                for label, ids in groups.items()
            },
            {a.response_id for a in answers},
            expendable=lambda key: 0 if key[0] in OVERLAPPING else 1,
        )
    return dimensions, hidden


def _nps_groups(
    question_answers: QuerySet[SurveyAnswer], aggregate_only: bool
) -> dict[str, list[Group]]:
    """NPS by audience type, month, segment and product, with small groups protected."""
    dimensions, hidden = _groupings(question_answers, aggregate_only)
    by_id = dict(question_answers.values_list("response_id", "number"))
    return {
        dim: [
            Group(
                label=label,
                answers=len(ids),
                nps=None if (dim, label) in hidden else _nps_of([by_id[i] or 0 for i in ids]),
            )
            for label, ids in groups.items()
        ]
        for dim, groups in dimensions.items()
    }


@dataclass(frozen=True)
class GroupDistribution:
    """How one group (a segment, a product, a month …) answered a rating or choice question;
    ``distribution`` is None when withheld from an aggregate-only reader."""

    label: str
    answers: int
    distribution: list[tuple[str, int]] | None


def _counts(question: Question, picked: list[Any]) -> list[tuple[str, int]]:
    if question.kind == QuestionKind.RATING:
        return [(str(v), sum(1 for n in picked if n == v)) for v in range(1, 6)]
    tally: dict[str, int] = dict.fromkeys(question.choices, 0)
    for chosen in picked:
        for choice in chosen:
            tally[choice] = tally.get(choice, 0) + 1
    return list(tally.items())


def _distribution_groups(
    question: Question, question_answers: QuerySet[SurveyAnswer], aggregate_only: bool
) -> dict[str, list[GroupDistribution]]:
    """The answer distribution of a rating or choice question by audience type, month,
    segment and product, protected like NPS groups."""
    dimensions, hidden = _groupings(question_answers, aggregate_only)
    field = "number" if question.kind == QuestionKind.RATING else "choices"
    by_id = dict(question_answers.values_list("response_id", field))
    return {
        dim: [
            GroupDistribution(
                label=label,
                answers=len(ids),
                distribution=None
                if (dim, label) in hidden
                else _counts(question, [by_id[i] for i in sorted(ids)]),
            )
            for label, ids in groups.items()
        ]
        for dim, groups in dimensions.items()
    }


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
                groups = _nps_groups(answers, aggregate_only)
                result.by_audience, result.by_month = groups["audience"], groups["month"]
                result.by_segment, result.by_product = groups["segment"], groups["product"]
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
            if question.kind in (QuestionKind.RATING, QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                result.distributions_by = _distribution_groups(question, answers, aggregate_only)
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
