"""API routes for working together: comments with mentions, the inbox, cross-training,
surveys and their figures. (Employees log touches through ``POST /touches``.)"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.api.schemas import ErrorOut
from tandem.collaboration import selectors, services, survey_services
from tandem.collaboration import survey_selectors as surveys
from tandem.collaboration.access import resource_of
from tandem.collaboration.models import (
    ASSIGNMENT_TARGETS,
    Assignment,
    Comment,
    EmailMode,
)
from tandem.collaboration.schemas import CommentIn, PreferenceIO, SurveySendIn
from tandem.errors import InvalidInput

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


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
    """The token owner's inbox of mentions, assignments and alerts: unread first, then newest
    first (at most 100)."""
    return selectors.notifications_for(user=request.auth)


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **ERRORS},
    tags=["comments"],
)
def notifications_read(request, notification_id: int):
    """Mark one of the token owner's notifications read; someone else's is not found."""
    notification = selectors.notification_get_for_user(
        user=request.auth, notification_id=notification_id
    )
    return services.notification_mark_read(actor=request.auth, notification=notification)


class ReadAllOut(Schema):
    marked: int


@router.post("/notifications/read-all", response=ReadAllOut, tags=["comments"])
def notifications_read_all(request):
    return {"marked": services.notifications_mark_all_read(actor=request.auth)}


@router.get("/notifications/preference", response=PreferenceIO, tags=["comments"])
def preference_get(request):
    """How notifications reach the token owner by email: immediate, digest or off."""
    preference = selectors.notification_preference_of(user=request.auth)
    return {"email_mode": preference.email_mode if preference else EmailMode.IMMEDIATE}


@router.put("/notifications/preference", response={200: PreferenceIO, **ERRORS}, tags=["comments"])
def preference_put(request, payload: PreferenceIO):
    preference = services.preference_set(actor=request.auth, email_mode=payload.email_mode)
    return {"email_mode": preference.email_mode}


# --- Cross-training -------------------------------------------------------------------------


class AssignmentIn(Schema):
    person_id: int
    resource: str
    target_id: int
    goal: str
    starts_on: str
    ends_on: str


class AssignmentChangeIn(Schema):
    status: str
    debrief: str = ""


class AssignmentOut(Schema):
    id: int
    person: str
    assigned_by: str | None
    role: str
    resource: str
    target_id: int
    goal: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    debrief: str


def _assignment_out(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person": a.person.username,
        "assigned_by": a.assigned_by.username if a.assigned_by else None,
        "role": a.role,
        "resource": resource_of(a.target),
        "target_id": a.target.pk,
        "goal": a.goal,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "status": a.status,
        "debrief": a.debrief,
    }


@router.get("/assignments", response=list[AssignmentOut], tags=["cross-training"])
def assignments_list(request):
    """Cross-training the token owner takes part in or asked for, open ones first."""
    return [_assignment_out(a) for a in selectors.assignments_for(user=request.auth)]


@router.post("/assignments", response={201: AssignmentOut, **ERRORS}, tags=["cross-training"])
def assignments_create(request, payload: AssignmentIn):
    """Put a sales rep on a campaign or content asset (``content_asset``) as contributor, or
    a marketer on a deal as observer."""
    if payload.resource not in ASSIGNMENT_TARGETS:
        raise InvalidInput.field(
            "resource", "cross-training is on a campaign, a content asset or a deal"
        )
    person = get_user_model().objects.filter(pk=payload.person_id, is_active=True).first()
    if person is None:
        raise InvalidInput.field("person_id", "no such colleague")
    try:
        target = selectors.target_get_for_user(
            user=request.auth, resource=payload.resource, target_id=payload.target_id
        )
    except Http404 as exc:
        raise InvalidInput.field("target_id", str(exc) or "no such record") from None
    assignment = services.assignment_create(
        actor=request.auth,
        person=person,
        target=target,
        goal=payload.goal,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        via="api",
    )
    return Status(201, _assignment_out(assignment))


@router.patch(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, **ERRORS},
    tags=["cross-training"],
)
def assignments_update(request, assignment_id: int, payload: AssignmentChangeIn):
    """Start (``active``), complete with a debrief (``completed``) or cancel (``cancelled``)."""
    assignment = selectors.assignment_get_for_user(user=request.auth, assignment_id=assignment_id)
    changes = {
        "active": lambda: services.assignment_start(
            actor=request.auth, assignment=assignment, via="api"
        ),
        "completed": lambda: services.assignment_complete(
            actor=request.auth, assignment=assignment, debrief=payload.debrief, via="api"
        ),
        "cancelled": lambda: services.assignment_cancel(
            actor=request.auth, assignment=assignment, via="api"
        ),
    }
    if payload.status not in changes:
        raise InvalidInput.field("status", "use active, completed or cancelled")
    return _assignment_out(changes[payload.status]())


class TeamCountOut(Schema):
    team: str
    assignments: int
    completed: int


class PersonCountOut(Schema):
    person: str
    team: str
    assignments: int
    completed: int


class CrossTrainingOut(Schema):
    start: dt.date
    end: dt.date
    total: int
    by_team: list[TeamCountOut]
    by_person: list[PersonCountOut]


@router.get("/cross-training", response={200: CrossTrainingOut, **ERRORS}, tags=["cross-training"])
def cross_training(request, day: dt.date | None = None):
    """Cross-training counts per team and person for the quarter holding ``day`` (today)."""
    counts = selectors.cross_training_counts(day=day or timezone.localdate())
    return {
        "start": counts.start,
        "end": counts.end,
        "total": counts.total,
        "by_team": [
            {"team": t, "assignments": n, "completed": counts.completed_by_team.get(t, 0)}
            for t, n in counts.by_team.items()
        ],
        "by_person": [vars(p) for p in counts.by_person],
    }


class NpsOut(Schema):
    answers: int
    promoters: int
    passives: int
    detractors: int
    score: int


GROUP_STATUS = (
    "shown; 'fewer' when the group has fewer than 5 answers (neither count nor figures); "
    "'withheld' when showing it would let a few answers be worked out by subtraction"
)


class GroupOut(Schema):
    label: str
    status: Literal["shown", "fewer", "withheld"] = Field(description=GROUP_STATUS)
    answers: int | None
    nps: NpsOut | None = None


class GroupDistributionOut(Schema):
    label: str
    status: Literal["shown", "fewer", "withheld"] = Field(description=GROUP_STATUS)
    answers: int | None
    distribution: list[tuple[str, int]] | None = None


class QuestionResultOut(Schema):
    position: int
    kind: str
    text: str
    answers: int | None = Field(description="Released answers; null when fewer than 5")
    suppressed: bool
    nps: NpsOut | None = None
    average: float | None = None
    distribution: list[tuple[str, int]]
    texts: list[str]
    by_audience: list[GroupOut]
    by_month: list[GroupOut]
    by_segment: list[GroupOut]
    by_product: list[GroupOut]
    distributions_by: dict[str, list[GroupDistributionOut]]


class SurveyOut(Schema):
    id: int
    title: str
    status: str
    allows_anonymous: bool
    public_slug: str | None


class SurveyResultsOut(Schema):
    survey: SurveyOut
    responses: int = Field(description="Responses released: figures move in steps of 5 or more")
    released_at: dt.datetime | None
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
    return [
        {"label": g.label, "status": g.status, "answers": g.answers, "nps": _nps_out(g.nps)}
        for g in groups
    ]


@router.get("/surveys", response=list[SurveyOut], tags=["surveys"])
@paginate(LimitOffsetPagination)
def surveys_list(request):
    return surveys.surveys_for_user(user=request.auth).order_by("id")


class SurveyIn(Schema):
    title: str
    intro: str = ""
    allows_anonymous: bool = False
    questions: list[dict[str, Any]]


@router.post("/surveys", response={201: SurveyOut, **ERRORS}, tags=["surveys"])
def surveys_create(request, payload: SurveyIn):
    """Build a survey (a draft). Each question: ``kind`` (nps, rating, single, multiple,
    text), ``text``, ``choices`` for choice questions, ``required`` (true)."""
    survey = survey_services.survey_create(
        actor=request.auth,
        title=payload.title,
        intro=payload.intro,
        allows_anonymous=payload.allows_anonymous,
        questions=payload.questions,
        via="api",
    )
    return Status(201, survey)


class SurveySentOut(Schema):
    invited: int


@router.post("/surveys/{survey_id}/send", response={200: SurveySentOut, **ERRORS}, tags=["surveys"])
def surveys_send(request, survey_id: int, payload: SurveySendIn):
    """Open the survey and email each consenting contact of the audience type or segment a
    signed link, once."""
    survey = surveys.survey_get_for_user(user=request.auth, survey_id=survey_id)
    invitations = survey_services.survey_send(
        actor=request.auth,
        survey=survey,
        audience_type=payload.audience_type,
        segment_id=payload.segment_id,
        via="api",
    )
    return {"invited": len(invitations)}


@router.get(
    "/surveys/{survey_id}/results", response={200: SurveyResultsOut, **ERRORS}, tags=["surveys"]
)
def surveys_results(request, survey_id: int):
    """A survey's released figures, the same for every reader: nothing for a group under five
    answers, groups withheld when subtraction could isolate a few answers, and figures that
    move only once five more answers have come in. Sales roles get no free text."""
    survey = surveys.survey_get_for_user(user=request.auth, survey_id=survey_id)
    results = surveys.survey_results(user=request.auth, survey=survey)
    return {
        "survey": survey,
        "responses": results.responses,
        "released_at": results.released_at,
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
                "distributions_by": {
                    dim: [vars(g) for g in groups] for dim, groups in r.distributions_by.items()
                },
            }
            for r in results.questions
        ],
    }
