"""API routes for the relay: form submissions, leads (hand-offs) and deals."""

from __future__ import annotations

from django.db import transaction
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.access import ratelimit
from tandem.api.crm import contact_or_none
from tandem.api.schemas import (
    DealIn,
    DealLoseIn,
    DealOut,
    DealPatch,
    DealWinIn,
    ErrorOut,
    FormSubmissionIn,
    FormSubmissionOut,
    LeadOut,
    LeadRejectIn,
)
from tandem.errors import InvalidInput
from tandem.handoff import selectors as handoff_selectors
from tandem.handoff import services as handoff
from tandem.marketing import form_services as marketing
from tandem.marketing import selectors as marketing_selectors
from tandem.sales import selectors, services
from tandem.sales.models import Deal

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@router.post(
    "/forms/{slug}/submissions", response={201: FormSubmissionOut, **ERRORS}, tags=["forms"]
)
def form_submissions_create(request, slug: str, payload: FormSubmissionIn):
    """Submit a lead form from a server (a website back end, a landing-page tool).

    The same rules as the hosted page apply: dedupe by email, consent, UTM credit, scoring.
    """
    form = marketing_selectors.form_get_public(slug=slug)
    data = payload.dict()
    data["consent"] = "yes" if data["consent"] else "no"
    address = ratelimit.client_address(request)
    try:
        result = marketing.form_submit(
            form=form,
            data=data,
            client_address=address,
            # Each token holder has their own hourly allowance, apart from the hosted page's.
            rate_key=f"api:{request.auth.pk}:{address}",
        )
    except marketing.SubmissionRefused as exc:
        return Status(exc.status, {"errors": [{"field": "", "message": exc.reason}]})
    s = result.submission
    return Status(
        201,
        {
            "id": s.pk,
            "form_id": s.form_id,
            "contact_id": s.contact_id,
            "touch_id": s.touch_id,
            "is_new_contact": result.is_new_contact,
            "consent_given": s.consent_given,
            "lifecycle_stage": s.contact.lifecycle_stage,
            "submitted_at": s.submitted_at,
        },
    )


@router.get("/leads", response=list[LeadOut], tags=["leads"])
@paginate(LimitOffsetPagination)
def leads_list(request, status: str = ""):
    return handoff_selectors.leads_for_user(user=request.auth, status=status).order_by("id")


@router.post("/leads/{lead_id}/accept", response={201: DealOut, **ERRORS}, tags=["leads"])
def leads_accept(request, lead_id: int):
    """Accept the hand-off; a deal opens in the default pipeline."""
    lead = handoff_selectors.lead_get_for_user(user=request.auth, lead_id=lead_id)
    deal = handoff.lead_accept(actor=request.auth, lead=lead, via="api")
    return Status(201, _deal_out(request.auth, deal))


@router.post("/leads/{lead_id}/reject", response={200: LeadOut, **ERRORS}, tags=["leads"])
def leads_reject(request, lead_id: int, payload: LeadRejectIn):
    lead = handoff_selectors.lead_get_for_user(user=request.auth, lead_id=lead_id)
    return handoff.lead_reject(
        actor=request.auth,
        lead=lead,
        reason=payload.reason,
        note=payload.note,
        nurture_until=payload.nurture_until,
        via="api",
    )


def _deal_out(user, deal: Deal) -> dict:
    data = {f: getattr(deal, f) for f in DealOut.model_fields if hasattr(deal, f)}
    data.update(
        stage_name=deal.stage.name,
        outcome=deal.stage.outcome,
        private_notes=selectors.deal_private_notes_for(user=user, deal=deal),
    )
    return data


@router.get("/deals", response=list[DealOut], tags=["deals"])
@paginate(LimitOffsetPagination)
def deals_list(
    request,
    outcome: str = "",
    owner_id: int | None = None,
    search: str = "",
    contact_id: int | None = None,
    account_id: int | None = None,
):
    deals = selectors.deals_for_user(
        user=request.auth,
        outcome=outcome,
        owner_id=owner_id,
        search=search,
        contact_id=contact_id,
        account_id=account_id,
    ).order_by("id")
    return _DealPage(request.auth, deals)


class _DealPage:
    """A lazily shaped page of deals: private notes shown only where the user may read them."""

    def __init__(self, user, queryset):
        self.user, self.queryset = user, queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return [_deal_out(self.user, d) for d in self.queryset[item]]


@router.post("/deals", response={201: DealOut, **ERRORS}, tags=["deals"])
def deals_create(request, payload: DealIn):
    contact = contact_or_none(request.auth, payload.contact_id)
    deal = services.deal_open(
        actor=request.auth,
        name=payload.name,
        owner=request.auth,
        contact=contact,
        amount=payload.amount,
        expected_close_on=payload.expected_close_on,
        via="api",
    )
    return Status(201, _deal_out(request.auth, deal))


@router.get("/deals/{deal_id}", response={200: DealOut, **ERRORS}, tags=["deals"])
def deals_get(request, deal_id: int):
    return _deal_out(request.auth, selectors.deal_get_for_user(user=request.auth, deal_id=deal_id))


@router.patch("/deals/{deal_id}", response={200: DealOut, **ERRORS}, tags=["deals"])
def deals_update(request, deal_id: int, payload: DealPatch):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    changes = payload.dict(exclude_unset=True)
    if not changes:
        raise InvalidInput.field("", "nothing to change")
    # One PATCH is one change: a refused note must not leave the stage moved.
    with transaction.atomic():
        if changes.get("stage_id") is not None:
            try:
                services.deal_move(
                    actor=request.auth, deal=deal, stage_id=changes["stage_id"], via="api"
                )
            except InvalidInput as exc:
                # The service speaks of the UI's "stage"; the API's field is stage_id.
                raise InvalidInput(
                    {("stage_id" if f == "stage" else f): m for f, m in exc.errors.items()}
                ) from None
        if changes.get("private_notes") is not None:
            services.deal_notes_update(
                actor=request.auth, deal=deal, notes=changes["private_notes"], via="api"
            )
    return _deal_out(request.auth, deal)


@router.post("/deals/{deal_id}/win", response={200: DealOut, **ERRORS}, tags=["deals"])
def deals_win(request, deal_id: int, payload: DealWinIn):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_close_won(actor=request.auth, deal=deal, amount=payload.amount, via="api")
    return _deal_out(request.auth, deal)


@router.post("/deals/{deal_id}/lose", response={200: DealOut, **ERRORS}, tags=["deals"])
def deals_lose(request, deal_id: int, payload: DealLoseIn):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_close_lost(actor=request.auth, deal=deal, reason=payload.reason, via="api")
    return _deal_out(request.auth, deal)


@router.delete("/deals/{deal_id}", response={204: None, **ERRORS}, tags=["deals"])
def deals_delete(request, deal_id: int):
    """Delete a deal with its stage history (a sales manager for their team, or an admin)."""
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_delete(actor=request.auth, deal=deal, via="api")
    return Status(204, None)
