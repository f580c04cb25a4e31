"""Queries on deals and pipelines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.sales.filters import DealFilter
from tandem.sales.models import (
    CommitteeMember,
    Deal,
    FitReview,
    Pipeline,
    PipelineStage,
    PlaybookAnswer,
    PlaybookQuestion,
)


def deals_for_user(
    *,
    user: Any,
    outcome: str = "",
    owner_id: int | None = None,
    search: str = "",
    contact_id: int | None = None,
    account_id: int | None = None,
) -> QuerySet[Deal]:
    qs = policies.visible(
        user,
        "deal",
        Deal.objects.select_related(
            "stage", "pipeline", "owner", "account", "contact", "source_campaign"
        ),
    )
    if outcome == PipelineStage.Outcome.OPEN:
        qs = qs.filter(still_open=True)
    elif outcome:
        qs = qs.filter(stage__outcome=outcome)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if search:
        qs = qs.filter(name__icontains=search)
    if contact_id:
        qs = qs.filter(contact_id=contact_id)
    if account_id:
        qs = qs.filter(account_id=account_id)
    return qs


def deal_get_for_user(*, user: Any, deal_id: int) -> Deal:
    return policies.get_visible(
        user,
        "deal",
        Deal.objects.select_related(
            "stage", "pipeline", "owner", "account", "contact", "source_campaign", "lead"
        ),
        deal_id,
    )


def deal_private_notes_for(*, user: Any, deal: Deal) -> str | None:
    """The rep's private notes, or None when the user may not read them."""
    return deal.private_notes if policies.can(user, "view", "deal_private_notes", deal) else None


# -- pipelines, the board and the list ------------------------------------------------------


def pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.all())


def pipeline_get(*, pipeline_id: int | None) -> Pipeline | None:
    """The pipeline asked for, else the default one if it exists yet (a read creates nothing).

    A door that must show a pipeline on a fresh install calls
    ``services.pipeline_default()``, which makes the default one.
    """
    if pipeline_id:
        found = Pipeline.objects.filter(pk=pipeline_id).first()
        if found is None:
            raise Http404("No such pipeline")
        return found
    return Pipeline.objects.filter(is_default=True).first()


@dataclass
class BoardCard:
    deal: Deal
    unanswered_key: list[str] = field(default_factory=list)
    is_flagged: bool = False
    in_review: bool = False


@dataclass
class BoardColumn:
    stage: PipelineStage
    cards: list[BoardCard]
    count: int
    amount: Decimal

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)

    @property
    def weighted(self) -> Decimal:
        return (self.amount * self.stage.probability / 100).quantize(Decimal("0.01"))


def board(
    *, user: Any, pipeline: Pipeline, filters: DealFilter | None = None, per_stage: int = 12
) -> list[BoardColumn]:
    """Open deals of a pipeline by stage: the largest few per stage, with counts and totals.

    Queries: stages, one for every column's count and total, one per stage for its cards
    (the index on stage and amount answers it), and two for the cards' key questions and
    reviews — never one per deal, whatever the number of deals.

    The stages already name the pipeline, so the deals are not filtered by pipeline again (a
    second condition on ``pipeline_id`` made SQLite read every deal's row). The totals read a
    team as ``owner IN (its members)``, so (stage, amount, owner) answers them from the index
    alone; the cards keep the join, which walks that index from the largest amount down.

    Every query also says ``still_open`` (the stages already do), so the open deals' partial
    indexes answer them: ``deal_open_stage_amount`` holds the next-step key, so a flagged
    board's cards are picked without reading a deal's row, and its counts are one range of
    ``deal_open_flag`` (``next_step_key < today``) instead of a test of every open deal.
    """
    today = timezone.localdate()
    stages = [s for s in pipeline.stages.all() if s.outcome == PipelineStage.Outcome.OPEN]
    # ``still_open`` says the same as the open stages; it lets the open-deal indexes answer.
    in_stages = Deal.objects.filter(stage__in=[s.pk for s in stages], still_open=True)
    deals = policies.visible(user, "deal", in_stages)
    counted = policies.visible(user, "deal", in_stages, for_totals=True)
    if filters is not None:
        filters = filters.model_copy(update={"pipeline": None})
        deals = filters.apply(deals, today=today)
        counted = filters.apply(counted, today=today)
    totals = {
        t["stage_id"]: t
        for t in counted.order_by().values("stage_id").annotate(n=Count("id"), total=Sum("amount"))
    }
    shown: list[tuple[PipelineStage, list[Deal]]] = [
        (
            stage,
            list(
                deals.filter(stage=stage)
                .select_related("owner", "account")
                .order_by("-amount", "id")[:per_stage]
            ),
        )
        for stage in stages
    ]
    ids = [d.pk for _, ds in shown for d in ds]
    missing = _unanswered_key_by_deal([d for _, ds in shown for d in ds], stages)
    reviewing = set(
        FitReview.objects.filter(
            deal_id__in=ids, status__in=[FitReview.Status.OPEN, FitReview.Status.DECLINED]
        ).values_list("deal_id", flat=True)
    )
    return [
        BoardColumn(
            stage=stage,
            cards=[
                BoardCard(
                    deal=d,
                    unanswered_key=missing.get(d.pk, []),
                    is_flagged=deal_is_flagged(d, today),
                    in_review=d.pk in reviewing,
                )
                for d in ds
            ],
            count=(totals.get(stage.pk) or {}).get("n") or 0,
            amount=(totals.get(stage.pk) or {}).get("total") or Decimal(0),
        )
        for stage, ds in shown
    ]


def deal_is_flagged(deal: Deal, today: dt.date | None = None) -> bool:
    """No next step, or its date has passed (the same rule as ``filters.flagged_q``)."""
    today = today or timezone.localdate()
    return not deal.next_step or deal.next_step_due_on is None or deal.next_step_due_on < today


def _unanswered_key_by_deal(deals: list[Deal], stages: list[PipelineStage]) -> dict[int, list]:
    """Key questions of each deal's stage and the stages before it that it has not answered."""
    if not deals:
        return {}
    questions = list(
        PlaybookQuestion.objects.filter(
            stage__in=[s.pk for s in stages], is_key=True, is_active=True
        ).select_related("stage")
    )
    if not questions:
        return {}
    answered = set(
        PlaybookAnswer.objects.filter(
            deal_id__in=[d.pk for d in deals], question__in=questions
        ).values_list("deal_id", "question_id")
    )
    position = {s.pk: s.position for s in stages}
    return {
        d.pk: [
            q.text
            for q in questions
            if q.stage.position <= position.get(d.stage_id, -1) and (d.pk, q.pk) not in answered
        ]
        for d in deals
    }


class DealList:
    """A filtered deal list that pages itself: ``count()`` and ``[slice]`` (for ``Paginator``).

    Two queries per page at any size. The count reads a team as ``owner IN (its members)``,
    answered from the owner index. The page picks its deals' ids in a subquery that keeps the
    join to the owner, so SQLite walks the (expected close, id, owner, stage) index and stops
    after the page instead of sorting every deal of the team; and as that subquery needs
    nothing outside the index, a deep page skips the deals before it without reading them.
    Only the page's deals are then read with their stage, pipeline, owner and account.

    An open-only list (``outcome=open``, the stored ``still_open``) walks the partial index of
    open deals, ``deal_open_close``, which also holds the forecast category and next-step key:
    won and lost deals are never read, nor is a row to test a filter; a flagged count is a range
    of ``deal_open_flag``.
    """

    # Paginator reads ``ordered`` to warn about unordered lists: this list always is.
    ordered = True

    def __init__(self, *, sorted_deals: QuerySet[Deal], counted: QuerySet[Deal]) -> None:
        self.sorted_deals, self.counted = sorted_deals, counted

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> QuerySet[Deal]:
        if not isinstance(item, slice):
            raise TypeError("a deal list is read a page (a slice) at a time")
        return (
            Deal.objects.select_related("stage", "pipeline", "owner", "account")
            .filter(pk__in=self.sorted_deals.values("pk")[item])
            .order_by(*DEAL_LIST_ORDER)
        )

    def __iter__(self) -> Iterator[Deal]:
        return iter(self.sorted_deals.select_related("stage", "pipeline", "owner", "account"))


DEAL_LIST_ORDER = (F("expected_close_on").asc(nulls_last=True), "id")


def deal_list(*, user: Any, filters: DealFilter) -> DealList:
    """Deals the user may see, narrowed by ``filters``, soonest expected close first."""
    ordered = filters.apply(policies.visible(user, "deal", Deal.objects.all()))
    counted = filters.apply(policies.visible(user, "deal", Deal.objects.all(), for_totals=True))
    return DealList(sorted_deals=ordered.order_by(*DEAL_LIST_ORDER), counted=counted.order_by())


# -- the deal page -------------------------------------------------------------------------


def deal_committee(*, deal: Deal) -> list[CommitteeMember]:
    return list(deal.committee.select_related("contact", "contact__account"))


def contact_committee_seats(*, user: Any, contact: Any) -> list[CommitteeMember]:
    """The deals (the user may see) on whose buying committee the contact sits."""
    visible_deals = policies.visible(user, "deal", Deal.objects.all())
    return list(
        CommitteeMember.objects.filter(contact=contact, deal__in=visible_deals).select_related(
            "deal", "deal__stage"
        )
    )


@dataclass(frozen=True)
class PlaybookLine:
    question: PlaybookQuestion
    answer: PlaybookAnswer | None

    @property
    def is_missing_key(self) -> bool:
        return self.question.is_key and self.answer is None


def deal_playbook(*, deal: Deal) -> list[tuple[PipelineStage, list[PlaybookLine]]]:
    """The discovery questions of each open stage of the deal's pipeline, with its answers."""
    questions = PlaybookQuestion.objects.filter(
        stage__pipeline_id=deal.pipeline_id, is_active=True
    ).select_related("stage")
    answers = {a.question_id: a for a in deal.answers.select_related("answered_by")}
    by_stage: dict[int, tuple[PipelineStage, list[PlaybookLine]]] = {}
    for q in questions:
        by_stage.setdefault(q.stage_id, (q.stage, []))[1].append(
            PlaybookLine(question=q, answer=answers.get(q.pk))
        )
    return sorted(by_stage.values(), key=lambda pair: pair[0].position)


def deal_unanswered_key(*, deal: Deal) -> list[str]:
    """Key questions up to the deal's stage it has not answered (shown before a move)."""
    stages = list(deal.pipeline.stages.all())
    return _unanswered_key_by_deal([deal], stages).get(deal.pk, [])


@dataclass(frozen=True)
class DealEvent:
    at: dt.datetime
    kind: str
    title: str
    detail: str
    who: str


def deal_timeline(*, deal: Deal) -> list[DealEvent]:
    """Stage moves, activities and fit-review steps of a deal, newest first."""
    events = [
        DealEvent(
            at=m.moved_at,
            kind="move",
            title=f"{m.from_stage or 'New'} → {m.to_stage}",
            detail="",
            who=str(m.moved_by or ""),
        )
        for m in deal.stage_moves.select_related("from_stage", "to_stage", "moved_by")
    ]
    events += [
        DealEvent(
            at=a.done_at or a.due_at or a.created_at,
            kind=a.kind,
            title=str(a) + ("" if a.is_done else " (to do)"),
            detail=" · ".join(p for p in (a.get_outcome_display(), a.notes) if p),
            who=str(a.owner),
        )
        for a in deal.activities.select_related("owner")
    ]
    for review in deal.fit_reviews.prefetch_related("decisions__decided_by").select_related(
        "opened_by"
    ):
        events.append(
            DealEvent(
                at=review.opened_at,
                kind="review",
                title="Fit review opened",
                detail="; ".join(c["message"] for c in review.concerns),
                who=str(review.opened_by or ""),
            )
        )
        events += [
            DealEvent(
                at=d.decided_at,
                kind="review",
                title=f"Fit review: {d.get_team_display()} — {d.get_decision_display()}",
                detail=d.rationale,
                who=str(d.decided_by),
            )
            for d in review.decisions.all()
        ]
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def fit_reviews_list(*, user: Any, status: str = "open", limit: int = 100) -> list[FitReview]:
    """Fit reviews both teams see: open ones by default, oldest waiting first."""
    qs = policies.visible(user, "fit_review", FitReview.objects.all())
    if status:
        qs = qs.filter(status=status)
    return list(
        qs.select_related("deal", "deal__owner", "deal__account")
        .prefetch_related("decisions__decided_by")
        .order_by("opened_at", "id")[:limit]
    )


def fit_review_get_for_user(*, user: Any, review_id: int) -> FitReview:
    return policies.get_visible(
        user, "fit_review", FitReview.objects.select_related("deal"), review_id
    )


# -- market research: playbook answers in aggregate ----------------------------------------

MIN_ANSWERS = 3  # fewer answers in a group are not shown, so no single deal can be read off


@dataclass(frozen=True)
class ResearchRow:
    question: str
    group: str
    choice: str
    answers: int


def market_research(*, user: Any, by: str = "industry") -> list[ResearchRow]:
    """Counts of each answer to multiple-choice questions by account industry or size.

    Only aggregates of at least ``MIN_ANSWERS`` answers: marketing reads no single deal here.
    """
    policies.require(user, "view", "sales_plan")
    field_name = {"industry": "deal__account__industry", "size": "deal__account__size_band"}.get(by)
    if field_name is None:
        raise InvalidInput.field("by", "choose industry or size")
    rows = (
        PlaybookAnswer.objects.exclude(choice="")
        .values("question__text", field_name, "choice")
        .annotate(n=Count("id"))
        .filter(n__gte=MIN_ANSWERS)
        .order_by("question__text", field_name, "-n", "choice")
    )
    return [
        ResearchRow(
            question=r["question__text"],
            group=r[field_name] or "Unknown",
            choice=r["choice"],
            answers=r["n"],
        )
        for r in rows
    ]
