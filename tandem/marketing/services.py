"""Marketing's use cases: campaigns, and lead capture through public forms."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tandem.access import policies, ratelimit
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing.models import Campaign, FormSubmission, LeadForm, Objective
from tandem.people import services as people
from tandem.people.models import Channel, ConsentChannel, TouchKind

FORM_FIELDS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "title": 150,
    "phone": 40,
}
UTM_KEYS = ("source", "medium", "campaign", "content", "term")
HONEYPOT_FIELD = "website"
# What a consent box or an API flag may say; an unticked box sends nothing at all.
CONSENT_ANSWERS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("", "0", "false", "no", "off"), False),
}


class SubmissionRefused(Exception):
    """A submission refused for abuse (rate limit, honeypot); says nothing more to the sender."""

    def __init__(self, reason: str, status: int):
        self.reason, self.status = reason, status
        super().__init__(reason)


def campaign_create(
    *,
    actor: Any,
    name: str,
    channel: str,
    objective: str = Objective.LEAD_GENERATION,
    utm_campaign: str = "",
    budget: Any = 0,
    starts_on: Any = None,
    ends_on: Any = None,
    message: str = "",
    via: str = "ui",
) -> Campaign:
    policies.require(actor, "create", "campaign")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "a campaign needs a name"
    if channel not in Channel.values:
        errors["channel"] = f"use one of {', '.join(Channel.values)}"
    if objective not in Objective.values:
        errors["objective"] = f"use one of {', '.join(Objective.values)}"
    slug = slugify(utm_campaign or name)[:100]
    if slug and Campaign.objects.filter(utm_campaign=slug).exists():
        errors["utm_campaign"] = f"'{slug}' is already used by another campaign"
    try:
        amount = Decimal(str(budget or 0))
    except InvalidOperation:
        errors["budget"] = f"'{budget}' is not a number"
        amount = Decimal(0)
    if errors:
        raise InvalidInput(errors)
    campaign = Campaign.objects.create(
        name=name.strip(),
        channel=channel,
        objective=objective,
        utm_campaign=slug,
        budget=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        message=message,
        owner=actor,
    )
    audit.record_created(actor=actor, obj=campaign, via=via)
    return campaign


def campaign_update(
    *,
    actor: Any,
    campaign: Campaign,
    name: str | None = None,
    objective: str | None = None,
    message: str | None = None,
    budget: Any = None,
    via: str = "ui",
) -> Campaign:
    """Rename a campaign or change its objective, message or budget; its UTM slug stays."""
    policies.require(actor, "change", "campaign", campaign)
    errors: dict[str, str] = {}
    if name is not None and not name.strip():
        errors["name"] = "a campaign needs a name"
    if objective is not None and objective not in Objective.values:
        errors["objective"] = f"use one of {', '.join(Objective.values)}"
    amount = None
    if budget is not None:
        try:
            amount = Decimal(str(budget))
        except InvalidOperation:
            errors["budget"] = f"'{budget}' is not a number"
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(campaign)
    if name is not None:
        campaign.name = name.strip()
    if objective is not None:
        campaign.objective = objective
    if message is not None:
        campaign.message = message
    if amount is not None:
        campaign.budget = amount
    campaign.save()
    audit.record_updated(actor=actor, obj=campaign, before=before, via=via)
    return campaign


def campaign_delete(*, actor: Any, campaign: Campaign, via: str = "ui") -> None:
    """Delete a campaign. Touches, leads, deals and forms it was credited on stay, uncredited."""
    policies.require(actor, "delete", "campaign", campaign)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=campaign, via=via)
        campaign.delete()


def campaign_for_utm(utm_campaign: str) -> Campaign | None:
    if not utm_campaign:
        return None
    return Campaign.objects.filter(utm_campaign=slugify(utm_campaign)).first()


@dataclass(frozen=True)
class SubmissionResult:
    submission: FormSubmission
    is_new_contact: bool


def _clean_submission(data: dict[str, Any]) -> tuple[dict[str, str], bool, dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, limit in FORM_FIELDS.items():
        raw = data.get(name, "")
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            errors[name] = "must be text"
            continue
        if len(raw) > limit:
            errors[name] = f"must be at most {limit} characters"
            continue
        values[name] = raw.strip()
    try:
        values["email"] = people.email_normalise(values.get("email", ""))
    except InvalidInput as exc:
        errors.update(exc.errors)
    consent = CONSENT_ANSWERS.get(str(data.get("consent") or "").strip().lower())
    if consent is None:
        errors["consent"] = "must be yes or no"
    utm = {k: str(data.get(f"utm_{k}", "") or "")[:100] for k in UTM_KEYS}
    if errors:
        raise InvalidInput(errors)
    return values, bool(consent), utm


def form_submit(
    *,
    form: LeadForm,
    data: dict[str, Any],
    client_address: str,
    referrer: str = "",
    rate_key: str = "",
) -> SubmissionResult:
    """A visitor submits a lead form: dedupe by email, record the touch with its UTM source,
    record consent as given (or not), and let the relay score and hand off.

    ``client_address`` is the sender's IP address, kept with the submission; ``rate_key``
    names whose submissions the hourly limit counts (default: that address).
    Bad input raises ``InvalidInput`` naming the fields and stores nothing.
    """
    if not form.is_active:
        raise InvalidInput.field("form", "this form is closed")
    if str(data.get(HONEYPOT_FIELD, "") or "").strip():
        raise SubmissionRefused("honeypot filled", 400)
    if not ratelimit.hit(
        f"form:{rate_key or client_address}",
        limit=settings.TANDEM_FORM_SUBMISSIONS_PER_HOUR,
        window_seconds=3600,
    ):
        raise SubmissionRefused("too many submissions from this address", 429)
    values, consent, utm = _clean_submission(data)
    campaign = campaign_for_utm(utm["campaign"]) or form.campaign
    channel = campaign.channel if campaign else _channel_from_utm(utm["medium"])
    via = f"form:{form.slug}"
    with transaction.atomic():
        contact, created = people.contact_upsert(
            actor=None,
            email=values["email"],
            via=via,
            company_name=values.get("company", ""),
            fields={k: values.get(k, "") for k in ("first_name", "last_name", "title", "phone")},
        )
        now = timezone.now()
        if consent or created:
            # An unticked box on a repeat visit must not withdraw an earlier yes.
            people.consent_record(
                contact=contact,
                channel=ConsentChannel.EMAIL,
                is_granted=consent,
                source=via,
                wording=form.consent_wording if consent else "",
                at=now,
            )
        touch = handoff.touch_log(
            contact=contact,
            kind=TouchKind.FORM_SUBMISSION,
            channel=channel,
            campaign=campaign,
            utm=utm,
            referrer=referrer,
            summary=f"Submitted {form.name}",
            occurred_at=now,
            via=via,
        )
        submission = FormSubmission.objects.create(
            form=form,
            contact=contact,
            touch=touch,
            data={**values, **{f"utm_{k}": v for k, v in utm.items() if v}},
            consent_given=consent,
            consent_wording=form.consent_wording if consent else "",
            client_address=client_address if client_address != "unknown" else None,
            submitted_at=now,
        )
    return SubmissionResult(submission=submission, is_new_contact=created)


MEDIUM_CHANNELS = {
    "email": Channel.EMAIL,
    "cpc": Channel.SEARCH,
    "ppc": Channel.SEARCH,
    "paid_search": Channel.SEARCH,
    "paid_social": Channel.PAID_SOCIAL,
    "social": Channel.ORGANIC_SOCIAL,
    "organic": Channel.ORGANIC_SEARCH,
    "referral": Channel.REFERRAL,
    "event": Channel.EVENTS,
    "webinar": Channel.WEBINAR,
    "partner": Channel.PARTNER,
    "pr": Channel.PR,
    "content": Channel.CONTENT,
}


def _channel_from_utm(medium: str) -> str:
    if not medium:
        return Channel.DIRECT
    return MEDIUM_CHANNELS.get(medium.lower(), Channel.OTHER)
