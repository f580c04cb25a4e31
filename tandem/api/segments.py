"""API routes for segments: define, read, rebuild, count a draft rule, static list members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from tandem.api.schemas import ErrorOut
from tandem.errors import InvalidInput
from tandem.people.selectors import contact_ids_by_emails, contacts_with_emails
from tandem.people.services import email_normalise
from tandem.segments import selectors, services
from tandem.segments.schemas import SegmentIn, SegmentPatch

router = Router(tags=["segments"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    rule: dict[str, Any]
    is_exclusion: bool
    member_count: int
    rebuilt_at: dt.datetime | None
    rebuild_status: str
    last_error: str


class RuleIn(Schema):
    rule: Any


class CountOut(Schema):
    count: int


class MemberOut(Schema):
    contact_id: int
    email: str
    first_name: str
    last_name: str
    added_at: dt.datetime

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.contact.email

    @staticmethod
    def resolve_first_name(obj) -> str:
        return obj.contact.first_name

    @staticmethod
    def resolve_last_name(obj) -> str:
        return obj.contact.last_name


class MembersIn(Schema):
    emails: list[str] = Field(max_length=10_000)


class MembersResult(Schema):
    added: int
    errors: list[dict[str, Any]]


@router.get("/segments", response=list[SegmentOut])
@paginate(LimitOffsetPagination)
def segments_list(request, search: str = ""):
    return selectors.segments_for_user(user=request.auth, search=search).order_by("id")


@router.post("/segments", response={201: SegmentOut, **ERRORS})
def segments_create(request, payload: SegmentIn):
    """Create a segment; a dynamic one's rule is checked (errors name the path of the bad
    condition, e.g. ``rule.conditions[2].within_days``) and built in the background."""
    return Status(
        201, services.segment_create(actor=request.auth, via="api", **payload.model_dump())
    )


@router.post("/segments/count", response={200: CountOut, **ERRORS})
def segments_count(request, payload: RuleIn):
    """How many contacts a draft rule matches now."""
    return {"count": services.segment_count_draft(actor=request.auth, rule=payload.rule)}


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def segments_get(request, segment_id: int):
    return selectors.segment_get_for_user(user=request.auth, segment_id=segment_id)


@router.patch("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def segments_update(request, segment_id: int, payload: SegmentPatch):
    segment = selectors.segment_get_for_user(user=request.auth, segment_id=segment_id)
    return services.segment_update(
        actor=request.auth, segment=segment, via="api", **payload.model_dump(exclude_unset=True)
    )


@router.delete("/segments/{segment_id}", response={204: None, **ERRORS})
def segments_delete(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.auth, segment_id=segment_id)
    services.segment_delete(actor=request.auth, segment=segment, via="api")
    return Status(204, None)


@router.post("/segments/{segment_id}/rebuild", response={202: SegmentOut, **ERRORS})
def segments_rebuild(request, segment_id: int):
    """Queue a full rebuild; poll the segment for ``rebuild_status``."""
    segment = selectors.segment_get_for_user(user=request.auth, segment_id=segment_id)
    services.segment_rebuild_request(actor=request.auth, segment=segment)
    segment.refresh_from_db()
    return Status(202, segment)


@router.get("/segments/{segment_id}/members", response=list[MemberOut])
@paginate(LimitOffsetPagination)
def segments_members(request, segment_id: int):
    segment = selectors.segment_get_for_user(user=request.auth, segment_id=segment_id)
    return selectors.segment_members(segment=segment)


@router.post("/segments/{segment_id}/members", response={200: MembersResult, **ERRORS})
def segments_members_add(request, segment_id: int, payload: MembersIn):
    """Add contacts to a static list by email; each unknown or bad address is reported by its
    index, the others are added."""
    segment = selectors.segment_get_for_user(user=request.auth, segment_id=segment_id)
    errors: list[dict[str, Any]] = []
    wanted: dict[str, int] = {}
    for n, raw in enumerate(payload.emails):
        try:
            wanted.setdefault(email_normalise(raw), n)
        except InvalidInput as exc:
            errors.append({"index": n, "message": exc.errors["email"]})
    # An address merged away (people's EmailAlias) names the contact it was merged into.
    found = contact_ids_by_emails(wanted)
    for address, n in wanted.items():
        if address not in found:
            errors.append({"index": n, "message": f"no contact has the address {address}"})
    added = services.segment_members_add(
        actor=request.auth,
        segment=segment,
        contacts=contacts_with_emails(emails=list(found)),
        via="api",
    )
    return {"added": added, "errors": sorted(errors, key=lambda e: e["index"])}
