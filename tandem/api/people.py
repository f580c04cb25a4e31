"""API routes for accounts, contacts, touches and lifecycle moves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.access import policies
from tandem.api.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    ErrorOut,
    LifecycleMoveOut,
    TouchIn,
    TouchOut,
)
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing.selectors import campaign_get_for_user
from tandem.people import selectors, services
from tandem.people.models import Account, Contact
from tandem.people.schemas import LifecycleMoveIn

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
T = TypeVar("T")


def referenced(field: str, get: Callable[[], T]) -> T:
    """The record a body field points to; a missing one is bad input naming that field."""
    try:
        return get()
    except Http404 as exc:
        raise InvalidInput.field(field, str(exc) or "no such record") from None


@router.get("/accounts", response=list[AccountOut], tags=["accounts"])
@paginate(LimitOffsetPagination)
def accounts_list(request, search: str = ""):
    return selectors.accounts_for_user(user=request.auth, search=search).order_by("id")


@router.post("/accounts", response={201: AccountOut, **ERRORS}, tags=["accounts"])
def accounts_create(request, payload: AccountIn):
    return Status(201, services.account_create(actor=request.auth, via="api", **payload.dict()))


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, tags=["accounts"])
def accounts_get(request, account_id: int):
    return selectors.account_get_for_user(user=request.auth, account_id=account_id)


@router.patch("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, tags=["accounts"])
def accounts_update(request, account_id: int, payload: AccountPatch):
    account = selectors.account_get_for_user(user=request.auth, account_id=account_id)
    return services.account_update(
        actor=request.auth, account=account, via="api", **payload.dict(exclude_unset=True)
    )


@router.delete("/accounts/{account_id}", response={204: None, **ERRORS}, tags=["accounts"])
def accounts_delete(request, account_id: int):
    """Delete an account; its contacts, touches and deals stay, unlinked."""
    account = selectors.account_get_for_user(user=request.auth, account_id=account_id)
    services.account_delete(actor=request.auth, account=account, via="api")
    return Status(204, None)


@router.get("/contacts", response=list[ContactOut], tags=["contacts"])
@paginate(LimitOffsetPagination)
def contacts_list(
    request,
    search: str = "",
    lifecycle_stage: str = "",
    owner_id: int | None = None,
    account_id: int | None = None,
    email: str = "",
):
    """The contacts the token's user may see. ``email`` finds one by its exact address, or by
    an address it had before a merge; ``search`` matches parts of names and addresses."""
    return selectors.contacts_for_user(
        user=request.auth,
        email=email.strip().lower(),
        search=search,
        lifecycle_stage=lifecycle_stage,
        owner_id=owner_id,
        account_id=account_id,
    ).order_by("id")


def _account_or_none(user, account_id: int | None) -> Account | None:
    if account_id is None:
        return None
    return referenced(
        "account_id", lambda: selectors.account_get_for_user(user=user, account_id=account_id)
    )


def contact_or_none(user, contact_id: int | None) -> Contact | None:
    """The contact a body's ``contact_id`` names, if it names one."""
    if contact_id is None:
        return None
    return referenced(
        "contact_id", lambda: selectors.contact_get_for_user(user=user, contact_id=contact_id)
    )


@router.post("/contacts", response={201: ContactOut, **ERRORS}, tags=["contacts"])
def contacts_create(request, payload: ContactIn):
    data = payload.dict()
    account = _account_or_none(request.auth, data.pop("account_id"))
    contact = services.contact_create(actor=request.auth, via="api", account=account, **data)
    return Status(201, contact)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def contacts_get(request, contact_id: int):
    return selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def contacts_update(request, contact_id: int, payload: ContactPatch):
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    data = payload.dict(exclude_unset=True)
    if "account_id" in data:
        data["account"] = _account_or_none(request.auth, data.pop("account_id"))
    return services.contact_update(actor=request.auth, contact=contact, via="api", **data)


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS}, tags=["contacts"])
def contacts_delete(request, contact_id: int):
    """Delete a contact with their touches, consents, lifecycle moves and hand-offs."""
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    services.contact_delete(actor=request.auth, contact=contact, via="api")
    return Status(204, None)


@router.get(
    "/contacts/{contact_id}/lifecycle-moves",
    response={200: list[LifecycleMoveOut], **ERRORS},
    tags=["lifecycle"],
)
def lifecycle_moves_list(request, contact_id: int):
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    return selectors.lifecycle_moves_of(contact=contact)


@router.post(
    "/contacts/{contact_id}/lifecycle-moves",
    response={201: LifecycleMoveOut, **ERRORS},
    tags=["lifecycle"],
)
def lifecycle_moves_create(request, contact_id: int, payload: LifecycleMoveIn):
    """Move a contact's lifecycle stage by hand. A move to recycled needs a reason and puts
    the contact in the nurture segment until ``nurture_until`` (90 days if not given)."""
    contact = selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
    # Recycling and disqualifying go through the hand-off: a recycled contact is nurtured.
    move = handoff.contact_stage_move(
        actor=request.auth,
        contact=contact,
        to_stage=payload.to_stage,
        reason=payload.reason,
        nurture_until=payload.nurture_until,
        via="api",
    )
    return Status(201, move)


@router.get("/touches", response=list[TouchOut], tags=["touches"])
@paginate(LimitOffsetPagination)
def touches_list(
    request, contact_id: int | None = None, account_id: int | None = None, kind: str = ""
):
    return selectors.touches_for_user(
        user=request.auth, contact_id=contact_id, account_id=account_id, kind=kind
    ).order_by("-occurred_at", "-id")


@router.post("/touches", response={201: TouchOut, **ERRORS}, tags=["touches"])
def touches_create(request, payload: TouchIn):
    """Anyone in the company logs a touch; it lands on the timeline and in the score."""
    policies.require(request.auth, "create", "touch")
    contact = referenced(
        "contact_id",
        lambda: selectors.contact_get_for_user(user=request.auth, contact_id=payload.contact_id),
    )
    campaign_id = payload.campaign_id
    campaign = (
        referenced(
            "campaign_id",
            lambda: campaign_get_for_user(user=request.auth, campaign_id=campaign_id),
        )
        if campaign_id is not None
        else None
    )
    touch = handoff.touch_log(
        contact=contact,
        kind=payload.kind,
        channel=payload.channel,
        actor=request.auth,
        occurred_at=payload.occurred_at,
        summary=payload.summary,
        sentiment=payload.sentiment,
        campaign=campaign,
        via="api",
    )
    return Status(201, touch)


@router.delete("/touches/{touch_id}", response={204: None, **ERRORS}, tags=["touches"])
def touches_delete(request, touch_id: int):
    """Delete a touch logged by mistake; the contact's score follows."""
    touch = selectors.touch_get_for_user(user=request.auth, touch_id=touch_id)
    handoff.touch_delete(actor=request.auth, touch=touch, via="api")
    return Status(204, None)
