"""API routes for working together: comments with mentions, the inbox, surveys' figures."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.api.schemas import ErrorOut
from tandem.collaboration import selectors, services
from tandem.collaboration import survey_selectors as surveys
from tandem.collaboration.models import Comment

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class CommentIn(Schema):
    body: str


class CommentOut(Schema):
    id: int
    author: str | None
    body: str
    mentioned: list[str]
    created_at: dt.datetime


def _comment_out(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "author": comment.author.username if comment.author else None,
        "body": comment.body,
        "mentioned": [u.username for u in comment.mentioned.all()],
        "created_at": comment.created_at,
    }


@router.get(
    "/comments/{resource}/{target_id}",
    response={200: list[CommentOut], **ERRORS},
    tags=["comments"],
)
def comments_list(request, resource: str, target_id: int):
    """The conversation on a record (``contact``, ``account``, ``deal``, ``campaign`` …),
    oldest first; refused when the token's owner may not see the record."""
    target = selectors.target_get_for_user(
        user=request.auth, resource=resource, target_id=target_id
    )
    comments = selectors.comments_for(user=request.auth, target=target).prefetch_related(
        "mentioned"
    )
    return [_comment_out(c) for c in comments]


@router.post(
    "/comments/{resource}/{target_id}",
    response={201: CommentOut, **ERRORS},
    tags=["comments"],
)
def comments_create(request, resource: str, target_id: int, payload: CommentIn):
    """Comment on a record; ``@username`` mentions notify those who may see the record."""
    target = selectors.target_get_for_user(
        user=request.auth, resource=resource, target_id=target_id
    )
    comment = services.comment_add(actor=request.auth, target=target, body=payload.body, via="api")
    return Status(201, _comment_out(comment))


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get("/notifications", response=list[NotificationOut], tags=["comments"])
def notifications_list(request):
    """The token owner's inbox, newest first (at most 100)."""
    return selectors.notifications_for(user=request.auth)


class NpsOut(Schema):
    answers: int
    promoters: int
    passives: int
    detractors: int
    score: int


class GroupOut(Schema):
    label: str
    answers: int
    nps: NpsOut | None = None


class QuestionResultOut(Schema):
    position: int
    kind: str
    text: str
    answers: int
    suppressed: bool
    nps: NpsOut | None = None
    average: float | None = None
    distribution: list[tuple[str, int]]
    texts: list[str]
    by_audience: list[GroupOut]
    by_month: list[GroupOut]
    by_segment: list[GroupOut]
    by_product: list[GroupOut]


class SurveyOut(Schema):
    id: int
    title: str
    status: str
    allows_anonymous: bool
    public_slug: str | None


class SurveyResultsOut(Schema):
    survey: SurveyOut
    responses: int
    is_aggregate_only: bool
    questions: list[QuestionResultOut]


def _nps_out(nps) -> dict | None:
    if nps is None:
        return None
    return {
        "answers": nps.answers,
        "promoters": nps.promoters,
        "passives": nps.passives,
        "detractors": nps.detractors,
        "score": nps.score,
    }


def _groups_out(groups) -> list[dict]:
    return [{"label": g.label, "answers": g.answers, "nps": _nps_out(g.nps)} for g in groups]


@router.get("/surveys", response=list[SurveyOut], tags=["surveys"])
@paginate(LimitOffsetPagination)
def surveys_list(request):
    return surveys.surveys_for_user(user=request.auth).order_by("id")


@router.get(
    "/surveys/{survey_id}/results", response={200: SurveyResultsOut, **ERRORS}, tags=["surveys"]
)
def surveys_results(request, survey_id: int):
    """A survey's figures. Sales roles get aggregates only: no free text, nothing for groups
    under five answers, and groups withheld when subtraction could isolate a small one."""
    survey = surveys.survey_get_for_user(user=request.auth, survey_id=survey_id)
    results = surveys.survey_results(user=request.auth, survey=survey)
    return {
        "survey": survey,
        "responses": results.responses,
        "is_aggregate_only": results.is_aggregate_only,
        "questions": [
            {
                "position": r.question.position,
                "kind": r.question.kind,
                "text": r.question.text,
                "answers": r.answers,
                "suppressed": r.suppressed,
                "nps": _nps_out(r.nps),
                "average": r.average,
                "distribution": r.distribution,
                "texts": r.texts,
                "by_audience": _groups_out(r.by_audience),
                "by_month": _groups_out(r.by_month),
                "by_segment": _groups_out(r.by_segment),
                "by_product": _groups_out(r.by_product),
            }
            for r in results.questions
        ],
    }
