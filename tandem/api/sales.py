"""API routes for the sales workspace: deals (open, move, win, lose, delete), the deal list with
its filters, deal fields, pipelines, buying committees, playbook answers, activities, fit
reviews, quotas and the forecast."""

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.access import policies
from tandem.access import selectors as access_selectors
from tandem.api import people as people_api
from tandem.api.sales_schemas import (
    ActivityOut,
    AnswerOut,
    ForecastOut,
    MemberOut,
    PipelineIn,
    PipelineOut,
    QuotaOut,
    ReviewOut,
    WorkDealOut,
)
from tandem.api.schemas import DealOut, ErrorOut
from tandem.errors import InvalidInput
from tandem.people import selectors as people_selectors
from tandem.sales import (
    activity_selectors,
    activity_services,
    forecast,
    playbook_services,
    review_services,
    selectors,
    services,
)
from tandem.sales import plan_selectors as plan
from tandem.sales import target_services as targets
from tandem.sales.filters import DealFilter
from tandem.sales.models import Activity, Deal
from tandem.sales.schemas import (
    ActivityIn,
    AdjustmentIn,
    AnswerIn,
    CompleteIn,
    DealIn,
    DealLoseIn,
    DealPatch,
    DealWinIn,
    DealWorkPatch,
    DecisionIn,
    MemberIn,
    QuotaIn,
)

router = Router(tags=["sales"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
DEAL_ERRORS = {**ERRORS, 429: ErrorOut}


def _work_out(deal) -> dict:
    return {
        "id": deal.pk,
        "name": deal.name,
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "stage_name": deal.stage.name,
        "outcome": deal.stage.outcome,
        "owner_id": deal.owner_id,
        "account_id": deal.account_id,
        "amount": deal.amount,
        "expected_close_on": deal.expected_close_on,
        "forecast_category": deal.forecast_category,
        "next_step": deal.next_step,
        "next_step_due_on": deal.next_step_due_on,
        "is_flagged": deal.stage.outcome == "open" and selectors.deal_is_flagged(deal),
        "source": deal.source,
        "partner_id": deal.partner_id,
        "custom": deal.custom,
    }


class _Page:
    def __init__(self, queryset, shape):
        self.queryset, self.shape = queryset, shape

    def __len__(self) -> int:
        return self.queryset.count()

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return [self.shape(d) for d in self.queryset[item]]


@router.get("/sales/deals", response=list[WorkDealOut])
@paginate(LimitOffsetPagination)
def sales_deals(request, filters: DealFilter = Query(...)):  # noqa: B008
    """Deals with the same filters as the deal list page (soonest expected close first)."""
    return _Page(selectors.deal_list(user=request.auth, filters=filters), _work_out)


@router.patch("/sales/deals/{deal_id}", response={200: WorkDealOut, **ERRORS})
def sales_deal_update(request, deal_id: int, payload: DealWorkPatch):
    """Change the close date, forecast category, next step, source, partner or custom values."""
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_update(
        actor=request.auth, deal=deal, via="api", **payload.model_dump(exclude_unset=True)
    )
    return _work_out(deal)


def _pipeline_out(p) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "is_default": p.is_default,
        "stages": [
            {
                "id": s.pk,
                "name": s.name,
                "position": s.position,
                "probability": s.probability,
                "outcome": s.outcome,
            }
            for s in p.stages.all()
        ],
    }


@router.get("/sales/pipelines", response={200: list[PipelineOut], **ERRORS})
def pipelines_list(request):
    policies.require(request.auth, "view", "sales_plan")
    return [_pipeline_out(p) for p in plan.pipelines_with_stages()]


@router.post("/sales/pipelines", response={201: PipelineOut, **ERRORS})
def pipelines_create(request, payload: PipelineIn):
    pipeline = services.pipeline_create(
        actor=request.auth, name=payload.name, stages=payload.stages, via="api"
    )
    return Status(201, _pipeline_out(pipeline))


@router.get("/sales/deals/{deal_id}/committee", response={200: list[MemberOut], **ERRORS})
def committee_list(request, deal_id: int):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    return selectors.deal_committee(deal=deal)


@router.post("/sales/deals/{deal_id}/committee", response={201: MemberOut, **ERRORS})
def committee_add(request, deal_id: int, payload: MemberIn):
    """Put a contact on the deal's buying committee (or change their seat)."""
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    contact = people_selectors.contact_get_for_user(
        user=request.auth, contact_id=payload.contact_id
    )
    member = services.committee_member_save(
        actor=request.auth,
        deal=deal,
        contact=contact,
        **payload.model_dump(exclude={"contact_id"}),
        via="api",
    )
    return Status(201, member)


@router.get("/sales/deals/{deal_id}/answers", response={200: list[AnswerOut], **ERRORS})
def answers_list(request, deal_id: int):
    """Every discovery question of the deal's pipeline, with the deal's answer if any."""
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    return [
        {
            "question_id": line.question.pk,
            "question": line.question.text,
            "is_key": line.question.is_key,
            "stage_id": line.question.stage_id,
            "choice": line.answer.choice if line.answer else "",
            "text": line.answer.text if line.answer else "",
        }
        for _, lines in selectors.deal_playbook(deal=deal)
        for line in lines
    ]


@router.put("/sales/deals/{deal_id}/answers/{question_id}", response={200: AnswerOut, **ERRORS})
def answers_put(request, deal_id: int, question_id: int, payload: AnswerIn):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    question = plan.question_get(question_id=question_id)
    answer = playbook_services.playbook_answer_save(
        actor=request.auth, deal=deal, question=question, via="api", **payload.model_dump()
    )
    return {
        "question_id": question.pk,
        "question": question.text,
        "is_key": question.is_key,
        "stage_id": question.stage_id,
        "choice": answer.choice if answer else "",
        "text": answer.text if answer else "",
    }


@router.get("/sales/activities", response=list[ActivityOut])
@paginate(LimitOffsetPagination)
def activities_list(request, deal_id: int | None = None, contact_id: int | None = None):
    return activity_selectors.activities_for_user(
        user=request.auth, deal_id=deal_id, contact_id=contact_id
    ).order_by("-created_at", "-id")


@router.post("/sales/activities", response={201: ActivityOut, **ERRORS})
def activities_create(request, payload: ActivityIn):
    data = payload.model_dump()
    deal_id, contact_id = data.pop("deal_id"), data.pop("contact_id")
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id) if deal_id else None
    contact = (
        people_selectors.contact_get_for_user(user=request.auth, contact_id=contact_id)
        if contact_id
        else None
    )
    activity = activity_services.activity_log(
        actor=request.auth, deal=deal, contact=contact, via="api", **data
    )
    return Status(201, activity)


@router.post("/sales/activities/{activity_id}/complete", response={200: ActivityOut, **ERRORS})
def activities_complete(request, activity_id: int, payload: CompleteIn):
    activity: Activity = activity_selectors.activity_get_for_user(
        user=request.auth, activity_id=activity_id
    )
    return activity_services.activity_complete(
        actor=request.auth, activity=activity, via="api", **payload.model_dump()
    )


def _review_out(r) -> dict:
    return {
        "id": r.pk,
        "deal_id": r.deal_id,
        "status": r.status,
        "concerns": r.concerns,
        "opened_at": r.opened_at,
        "decided_at": r.decided_at,
        "decisions": list(r.decisions.all()),
    }


@router.get("/sales/fit-reviews", response={200: list[ReviewOut], **ERRORS})
def reviews_list(request, status: str = "open"):
    """Fit reviews both teams see (``status=`` for all)."""
    policies.require(request.auth, "view", "fit_review")
    return [_review_out(r) for r in selectors.fit_reviews_list(user=request.auth, status=status)]


@router.post("/sales/fit-reviews/{review_id}/decisions", response={201: ReviewOut, **ERRORS})
def reviews_decide(request, review_id: int, payload: DecisionIn):
    """Record a sales manager's or a marketing manager's decision, with the rationale."""
    review = selectors.fit_review_get_for_user(user=request.auth, review_id=review_id)
    review = review_services.fit_review_decide(
        actor=request.auth, review=review, via="api", **payload.model_dump()
    )
    return Status(201, _review_out(review))


@router.post("/sales/quotas", response={201: QuotaOut, **ERRORS})
def quotas_set(request, payload: QuotaIn):
    user = access_selectors.user_get(user_id=payload.user_id) if payload.user_id else None
    team = access_selectors.team_get(team_id=payload.team_id) if payload.team_id else None
    quota = targets.quota_set(
        actor=request.auth,
        user=user,
        team=team,
        amount=payload.amount,
        period_kind=payload.period_kind,
        period_start=payload.period_start,
        via="api",
    )
    return Status(201, quota)


@router.get("/sales/forecast", response={200: ForecastOut, **ERRORS})
def forecast_get(request, kind: str = "quarter", start: dt.date | None = None):
    """The forecast of a month or quarter (the current one unless ``start`` is given)."""
    policies.require(request.auth, "view", "sales_plan")
    policies.require(request.auth, "view", "deal")
    if kind not in ("month", "quarter"):
        raise InvalidInput.field("kind", "choose month or quarter")
    first = forecast.period_containing(kind, start or timezone.localdate())
    f = forecast.forecast_for(user=request.auth, kind=kind, start=first)
    return {**{k: getattr(f, k) for k in ForecastOut.model_fields}}


@router.post("/sales/forecast/adjustments", response={201: ForecastOut, **ERRORS})
def forecast_adjust(request, payload: AdjustmentIn):
    """Record a manager's call on the period, with why; answers the forecast with it."""
    targets.forecast_adjust(actor=request.auth, via="api", **payload.model_dump())
    f = forecast.forecast_for(
        user=request.auth, kind=payload.period_kind, start=payload.period_start
    )
    return Status(201, {k: getattr(f, k) for k in ForecastOut.model_fields})


# --- Deals ---------------------------------------------------------------------------------


def deal_out(user, deal: Deal) -> dict:
    """A deal as the API shows it: private notes only where the user may read them."""
    data = {f: getattr(deal, f) for f in DealOut.model_fields if hasattr(deal, f)}
    data.update(
        stage_name=deal.stage.name,
        outcome=deal.stage.outcome,
        private_notes=selectors.deal_private_notes_for(user=user, deal=deal),
    )
    return data


@router.get(
    "/deals",
    response=list[DealOut],
    tags=["deals"],
    operation_id="tandem_api_relay_deals_list",
)
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
    return _Page(deals, lambda deal: deal_out(request.auth, deal))


@router.post(
    "/deals",
    response={201: DealOut, **DEAL_ERRORS},
    tags=["deals"],
    operation_id="tandem_api_relay_deals_create",
)
def deals_create(request, payload: DealIn):
    contact = people_api.contact_or_none(request.auth, payload.contact_id)
    deal = services.deal_open(
        actor=request.auth,
        name=payload.name,
        owner=request.auth,
        contact=contact,
        amount=payload.amount,
        expected_close_on=payload.expected_close_on,
        custom=payload.custom,
        via="api",
    )
    return Status(201, deal_out(request.auth, deal))


@router.get(
    "/deals/{deal_id}",
    response={200: DealOut, **DEAL_ERRORS},
    tags=["deals"],
    operation_id="tandem_api_relay_deals_get",
)
def deals_get(request, deal_id: int):
    return deal_out(request.auth, selectors.deal_get_for_user(user=request.auth, deal_id=deal_id))


@router.patch(
    "/deals/{deal_id}",
    response={200: DealOut, **DEAL_ERRORS},
    tags=["deals"],
    operation_id="tandem_api_relay_deals_update",
)
def deals_update(request, deal_id: int, payload: DealPatch):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput.field("", "nothing to change")
    try:
        services.deal_change(
            actor=request.auth,
            deal=deal,
            stage_id=changes.get("stage_id"),
            notes=changes.get("private_notes"),
            custom=changes.get("custom"),
            via="api",
        )
    except InvalidInput as exc:
        # The service speaks of the UI's "stage"; the API's field is stage_id.
        raise InvalidInput(
            {("stage_id" if f == "stage" else f): m for f, m in exc.errors.items()}
        ) from None
    return deal_out(request.auth, deal)


@router.post(
    "/deals/{deal_id}/win",
    response={200: DealOut, **DEAL_ERRORS},
    tags=["deals"],
    operation_id="tandem_api_relay_deals_win",
)
def deals_win(request, deal_id: int, payload: DealWinIn):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_close_won(actor=request.auth, deal=deal, amount=payload.amount, via="api")
    return deal_out(request.auth, deal)


@router.post(
    "/deals/{deal_id}/lose",
    response={200: DealOut, **DEAL_ERRORS},
    tags=["deals"],
    operation_id="tandem_api_relay_deals_lose",
)
def deals_lose(request, deal_id: int, payload: DealLoseIn):
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_close_lost(actor=request.auth, deal=deal, reason=payload.reason, via="api")
    return deal_out(request.auth, deal)


@router.delete(
    "/deals/{deal_id}",
    response={204: None, **DEAL_ERRORS},
    tags=["deals"],
    operation_id="tandem_api_relay_deals_delete",
)
def deals_delete(request, deal_id: int):
    """Delete a deal with its stage history (a sales manager for their team, or an admin)."""
    deal = selectors.deal_get_for_user(user=request.auth, deal_id=deal_id)
    services.deal_delete(actor=request.auth, deal=deal, via="api")
    return Status(204, None)
