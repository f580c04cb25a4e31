"""API routes for marketing email: sends (create, start, pause, resume, cancel, progress) and
the bounce and complaint events a mail provider reports."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from tandem.access import policies
from tandem.api.people import referenced
from tandem.api.schemas import ErrorOut
from tandem.errors import InvalidInput
from tandem.mailing import selectors, services
from tandem.mailing.models import EmailSend
from tandem.marketing.selectors import campaign_get_for_user
from tandem.segments.models import Segment
from tandem.segments.selectors import segments_with_ids

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class EmailSendIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    template_id: int
    segment_ids: list[int] = Field(min_length=1)
    exclusion_ids: list[int] = Field(default_factory=list)
    campaign_id: int | None = None
    topic_id: int | None = Field(
        None, description="contacts who opted out of this topic are skipped; none: the template's"
    )
    from_email: str = Field("", max_length=254)
    rate_per_second: float | None = None
    batch_size: int | None = None


class ProgressOut(Schema):
    total: int
    pending: int
    sent: int
    skipped: int
    failed: int
    uncertain: int
    opened: int
    clicked: int
    per_minute: int
    percent: int
    is_stalled: bool
    last_error: str


class EmailSendOut(Schema):
    id: int
    name: str
    status: str
    template_id: int
    campaign_id: int | None
    topic_id: int | None
    from_email: str
    rate_per_second: float
    batch_size: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: ProgressOut


class EmailSendSummaryOut(Schema):
    id: int
    name: str
    status: str
    template_id: int
    campaign_id: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    total: int
    sent: int
    opened: int
    clicked: int


class EmailEventIn(Schema):
    type: str = Field(description="bounce, complaint or unsubscribe")
    email: str = Field(max_length=254)
    detail: str = Field("", max_length=500)
    message_id: str = Field("", max_length=200)


class EmailEventsIn(Schema):
    events: list[EmailEventIn] = Field(min_length=1, max_length=1000)


class EventErrorOut(Schema):
    index: int
    field: str
    message: str


class EmailEventsOut(Schema):
    recorded: int
    errors: list[EventErrorOut]


def _out(send: EmailSend) -> dict:
    progress = selectors.send_progress(send=send)
    return {
        **{f: getattr(send, f) for f in EmailSendOut.model_fields if f != "progress"},
        "status": progress.status,
        "progress": {**vars(progress), "percent": progress.percent},
    }


def _segments(field: str, ids: list[int]) -> list[Segment]:
    found = {s.pk: s for s in segments_with_ids(ids=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput.field(field, f"no segment {missing[0]}")
    return [found[i] for i in ids]


@router.get("/email-sends", response=list[EmailSendSummaryOut], tags=["email"])
@paginate(LimitOffsetPagination)
def email_sends_list(request):
    """Sends, newest first, with recipients, sent, opened and clicked counted."""
    return selectors.sends_with_counts(user=request.auth)


@router.post("/email-sends", response={201: EmailSendOut, **ERRORS}, tags=["email"])
def email_sends_create(request, payload: EmailSendIn):
    """Create a draft send; nothing goes out until ``/start``."""
    policies.require(request.auth, "create", "email_send")
    template = referenced(
        "template_id",
        lambda: selectors.template_get_for_user(user=request.auth, template_id=payload.template_id),
    )
    campaign, campaign_id = None, payload.campaign_id
    if campaign_id is not None:
        campaign = referenced(
            "campaign_id",
            lambda: campaign_get_for_user(user=request.auth, campaign_id=campaign_id),
        )
    topic = None
    if payload.topic_id is not None:
        topic = selectors.topics_offered().filter(pk=payload.topic_id).first()
        if topic is None:
            raise InvalidInput.field("topic_id", f"no topic {payload.topic_id} on offer")
    send = services.send_create(
        actor=request.auth,
        name=payload.name,
        template=template,
        segments=_segments("segment_ids", payload.segment_ids),
        exclusions=_segments("exclusion_ids", payload.exclusion_ids),
        campaign=campaign,
        from_email=payload.from_email,
        rate_per_second=payload.rate_per_second,
        batch_size=payload.batch_size,
        topic=topic,
        via="api",
    )
    return Status(201, _out(send))


@router.get("/email-sends/{send_id}", response={200: EmailSendOut, **ERRORS}, tags=["email"])
def email_sends_get(request, send_id: int):
    """One send with its progress: recipients by state, opens, clicks, the last minute's rate."""
    return _out(selectors.send_get_for_user(user=request.auth, send_id=send_id))


ACTIONS = {
    "start": services.send_start,
    "pause": services.send_pause,
    "resume": services.send_resume,
    "cancel": services.send_cancel,
}


@router.post(
    "/email-sends/{send_id}/{action}", response={200: EmailSendOut, **ERRORS}, tags=["email"]
)
def email_sends_action(request, send_id: int, action: str):
    """``start``, ``pause``, ``resume`` (also a send whose worker died) or ``cancel``."""
    if action not in ACTIONS:
        raise Http404("No such action; use start, pause, resume or cancel")
    send = selectors.send_get_for_user(user=request.auth, send_id=send_id)
    return _out(ACTIONS[action](actor=request.auth, send=send, via="api"))


@router.post("/email-events", response={200: EmailEventsOut, **ERRORS}, tags=["email"])
def email_events_create(request, payload: EmailEventsIn):
    """Bounces, spam complaints and unsubscribes from the mail provider's webhook (a token of
    a user who may add suppressions). Each address is suppressed (a complaint or unsubscribe
    also withdraws email consent); a bad item is reported by index and the good ones are kept.
    Providers django-anymail supports can post to ``/anymail/<provider>/tracking/`` instead."""
    policies.require(request.auth, "create", "suppression")
    recorded, errors = 0, []
    for index, event in enumerate(payload.events):
        try:
            services.email_event_record(
                kind=event.type,
                email=event.email,
                detail=event.detail,
                message_id=event.message_id,
                actor=request.auth,
                via="api",
            )
        except InvalidInput as exc:
            errors += [{"index": index, "field": f, "message": m} for f, m in exc.errors.items()]
        else:
            recorded += 1
    return {"recorded": recorded, "errors": errors}
