"""API routes of the marketing workspace: the batch touch door, campaigns (read-only) and lead
form submissions from a server."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from tandem.access import policies, ratelimit
from tandem.api.schemas import ErrorOut, FormSubmissionIn, FormSubmissionOut
from tandem.errors import InvalidInput
from tandem.marketing import form_services, ingest, selectors
from tandem.reports import selectors as reports

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
FORM_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
# A full batch of 5,000 touches with summaries is a few MB; the site-wide body limit is for forms.
BATCH_MAX_BYTES = 16 * 1024 * 1024


class TouchBatchItem(Schema):
    """One touch of a batch. Unknown fields are refused, naming them."""

    client_id: str = Field(
        max_length=100,
        description="Your id for this touch; a retry with the same id stores nothing new.",
    )
    contact_id: int | None = Field(None, description="The contact, by id …")
    email: str | None = Field(None, max_length=254, description="… or by email address.")
    kind: str = Field(description="form_submission, email_open, page_visit, call, …")
    channel: str = "other"
    occurred_at: str | None = Field(None, description="ISO 8601; now when left out.")
    campaign_id: int | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    utm_term: str = ""
    referrer: str = ""
    summary: str = Field("", max_length=2000)
    sentiment: str = ""


class TouchBatchIn(Schema):
    items: list[TouchBatchItem] = Field(max_length=ingest.BATCH_LIMIT)


class TouchBatchError(Schema):
    index: int
    field: str
    message: str


class TouchBatchOut(Schema):
    stored: int = Field(description="Touches stored by this call.")
    duplicates: int = Field(description="Items whose client_id was stored before (a retry).")
    failed: int
    stored_ids: list[str]
    duplicate_ids: list[str]
    errors: list[TouchBatchError]


def _body_items(request) -> list:
    """The batch's items, read past the site-wide body limit (meant for forms) up to our own."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > BATCH_MAX_BYTES:
        raise InvalidInput.field("", f"the batch is over {BATCH_MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = json.loads(request.read(BATCH_MAX_BYTES + 1) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput.field("", "the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InvalidInput.field("items", 'send {"items": [ … ]}')
    return data["items"]


@router.post(
    "/touches:batch",
    response={200: TouchBatchOut, **ERRORS},
    tags=["touches"],
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": TouchBatchIn.model_json_schema()}},
            "required": True,
        }
    },
)
def touches_batch(request):
    """Store up to 5,000 touches in one call (`POST /api/v1/touches:batch`).

    Each item carries your `client_id`; a retried batch stores nothing twice (the repeats are
    counted as `duplicates`). Each bad item is reported by `index` and `field` while the good
    ones are stored. Contacts are named by `contact_id` or `email`; a touch with
    `utm_campaign` and no `campaign_id` is credited to the campaign with that UTM tag.
    First/last touch is updated at once; lifecycle, score and segments follow in the
    background within seconds.
    """
    items = _body_items(request)
    result = ingest.touches_ingest(actor=request.auth, items=items)
    return Status(
        200,
        {
            "stored": len(result.stored),
            "duplicates": len(result.duplicates),
            "failed": len({e.index for e in result.errors}),
            "stored_ids": result.stored,
            "duplicate_ids": result.duplicates,
            "errors": [
                {"index": e.index, "field": e.field, "message": e.message} for e in result.errors
            ],
        },
    )


class CampaignOut(Schema):
    id: int
    name: str
    objective: str
    channel: str
    utm_campaign: str
    vertical: str
    message: str
    offer: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str = Field(description="planned, running or ended, on today's date.")
    budget: Decimal
    spent: Decimal = Field(description="The sum of its spend lines.")
    owner_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_status(obj) -> str:
        # A campaign row; or, for one campaign with its numbers, that row already read.
        return obj["status"] if isinstance(obj, dict) else obj.status_on(timezone.localdate())


class ObjectiveMeasureOut(Schema):
    label: str
    value: int
    detail: str


class CampaignNumbersOut(Schema):
    reach: int = Field(description="Contacts the campaign touched.")
    engagement: int = Field(description="Their actions: opens, clicks, visits, forms, …")
    leads: int
    mqls: int
    cost_per_lead: Decimal | None = Field(description="Spent ÷ leads; null before any lead.")
    measure: ObjectiveMeasureOut = Field(description="The number that fits its objective.")
    sourced_pipeline: Decimal = Field(description="Amount of the open deals it sourced.")
    sourced_revenue: Decimal = Field(description="Amount of the won deals it sourced.")


class CampaignDetailOut(CampaignOut):
    numbers: CampaignNumbersOut


@router.get("/campaigns", response=list[CampaignOut], tags=["campaigns"])
@paginate(LimitOffsetPagination)
def campaigns_list(request):
    """The campaigns you may see, the latest start first, with what each spent; the numbers of
    one campaign are on `GET /api/v1/campaigns/{id}`."""
    policies.require(request.auth, "view", "campaign")
    return selectors.campaigns_for_user(user=request.auth).order_by("-starts_on", "name", "id")


@router.get(
    "/campaigns/{campaign_id}", response={200: CampaignDetailOut, **READ_ERRORS}, tags=["campaigns"]
)
def campaigns_get(request, campaign_id: int):
    """One campaign with its numbers: reach, engagement, leads and MQLs credited to it, cost
    per lead, the measure of its objective, and the pipeline and revenue of the deals it
    sourced (multi-touch credit is on the attribution report)."""
    campaign = selectors.campaign_get_for_user(
        user=request.auth, campaign_id=campaign_id, with_spent=True
    )
    numbers = selectors.campaign_numbers(campaign=campaign)
    sourced = reports.campaign_attributed(campaign.pk)
    return CampaignDetailOut(
        **CampaignOut.from_orm(campaign).dict(),
        numbers=CampaignNumbersOut(
            reach=numbers.reach,
            engagement=numbers.engagement,
            leads=numbers.leads,
            mqls=numbers.mqls,
            cost_per_lead=numbers.cost_per_lead,
            measure=ObjectiveMeasureOut(
                label=numbers.measure.label,
                value=numbers.measure.value,
                detail=numbers.measure.detail,
            ),
            sourced_pipeline=sourced["pipeline"],
            sourced_revenue=sourced["revenue"],
        ),
    )


@router.post(
    "/forms/{slug}/submissions",
    response={201: FormSubmissionOut, **FORM_ERRORS},
    tags=["forms"],
    operation_id="tandem_api_relay_form_submissions_create",
)
def form_submissions_create(request, slug: str, payload: FormSubmissionIn):
    """Submit a lead form from a server (a website back end, a landing-page tool).

    The same rules as the hosted page apply: dedupe by email, consent, UTM credit, scoring.
    """
    form = selectors.form_get_public(slug=slug)
    data = payload.dict()
    data["consent"] = "yes" if data["consent"] else "no"
    address = ratelimit.client_address(request)
    try:
        result = form_services.form_submit(
            form=form,
            data=data,
            client_address=address,
            # Each token holder has their own hourly allowance, apart from the hosted page's.
            rate_key=f"api:{request.auth.pk}:{address}",
        )
    except form_services.SubmissionRefused as exc:
        # A token holder is no anonymous bot: told plainly, even of the honeypot.
        status = 400 if exc.looks_accepted else exc.status
        return Status(status, {"errors": [{"field": "", "message": exc.reason}]})
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
