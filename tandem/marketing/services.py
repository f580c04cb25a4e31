"""Marketing's use cases: campaigns, and lead capture through public forms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify

from tandem.access import policies, ratelimit
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing.models import (
    Campaign,
    FormSubmission,
    LeadForm,
    Objective,
    SpendLine,
    TrackedLink,
)
from tandem.people import services as people
from tandem.people.models import Channel, ConsentChannel, TouchKind
from tandem.segments.models import Segment

MONEY_LIMIT = Decimal("10000000000")
# Spend may run over budget (a late invoice), but not past twice it: that is a typo.
SPEND_OVER_BUDGET_FACTOR = 2

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


def _parse_money(raw: Any, field: str, errors: dict[str, str]) -> Decimal | None:
    try:
        amount = Decimal(str(raw if raw not in (None, "") else 0).replace(",", ""))
    except InvalidOperation:
        errors[field] = f"'{raw}' is not a number"
        return None
    if not amount.is_finite():
        errors[field] = f"'{raw}' is not a number"
        return None
    if amount < 0:
        errors[field] = "must not be negative"
        return None
    if amount >= MONEY_LIMIT:
        errors[field] = f"must be less than {MONEY_LIMIT:,}"
        return None
    return amount.quantize(Decimal("0.01"))


def _parse_day(raw: Any, field: str, errors: dict[str, str]) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[field] = f"'{raw}' is not a date (YYYY-MM-DD)"
        return None


def _segments_of(raw: Any, errors: dict[str, str]) -> list[Segment] | None:
    if raw is None:
        return None
    try:
        ids = sorted({int(x) for x in raw})
    except (TypeError, ValueError):
        errors["segments"] = "give segment ids"
        return None
    found = list(Segment.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {s.pk for s in found})
        errors["segments"] = f"no segment with id {missing[0]}"
        return None
    return found


def _campaign_values(
    fields: dict[str, Any], errors: dict[str, str], *, creating: bool
) -> dict[str, Any]:
    """The campaign fields given, checked; each problem goes into ``errors`` under its field."""
    values: dict[str, Any] = {}
    if "name" in fields or creating:
        name = str(fields.get("name") or "").strip()
        if not name:
            errors["name"] = "a campaign needs a name"
        elif len(name) > 200:
            errors["name"] = "must be at most 200 characters"
        values["name"] = name
    if "channel" in fields or creating:
        if fields.get("channel") not in Channel.values:
            errors["channel"] = f"use one of {', '.join(Channel.values)}"
        values["channel"] = fields.get("channel")
    if "objective" in fields or creating:
        objective = fields.get("objective") or Objective.LEAD_GENERATION
        if objective not in Objective.values:
            errors["objective"] = f"use one of {', '.join(Objective.values)}"
        values["objective"] = objective
    for key in ("message", "offer", "vertical"):
        if key in fields and fields[key] is not None:
            values[key] = str(fields[key]).strip()
    if len(values.get("vertical", "")) > 100:
        errors["vertical"] = "must be at most 100 characters"
    if "budget" in fields and fields["budget"] is not None:
        values["budget"] = _parse_money(fields["budget"], "budget", errors)
    for key in ("starts_on", "ends_on"):
        if key in fields:
            values[key] = _parse_day(fields[key], key, errors)
    return values


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
    offer: str = "",
    vertical: str = "",
    segment_ids: Any = None,
    via: str = "ui",
) -> Campaign:
    """Create a campaign: its objective, channel, story, dates, budget and target segments."""
    policies.require(actor, "create", "campaign")
    errors: dict[str, str] = {}
    values = _campaign_values(
        {
            "name": name,
            "channel": channel,
            "objective": objective,
            "budget": budget,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "message": message,
            "offer": offer,
            "vertical": vertical,
        },
        errors,
        creating=True,
    )
    slug = slugify(utm_campaign or name)[:100]
    if not slug and "name" not in errors:
        errors["utm_campaign"] = "make a UTM tag from letters or digits"
    elif slug and Campaign.objects.filter(utm_campaign=slug).exists():
        errors["utm_campaign"] = f"'{slug}' is already used by another campaign"
    segments = _segments_of(segment_ids, errors)
    _check_dates(values.get("starts_on"), values.get("ends_on"), errors)
    _check_objective(values, errors)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(utm_campaign=slug, owner=actor, **values)
        if segments:
            campaign.segments.set(segments)
        audit.record_created(actor=actor, obj=campaign, via=via)
    return campaign


def _check_dates(starts_on: Any, ends_on: Any, errors: dict[str, str]) -> None:
    if starts_on and ends_on and ends_on < starts_on and "ends_on" not in errors:
        errors["ends_on"] = "must not be before the start"


def _check_objective(values: dict[str, Any], errors: dict[str, str]) -> None:
    if values.get("objective") == Objective.NEW_VERTICAL and not values.get("vertical"):
        errors.setdefault("vertical", "name the industry a new-vertical campaign speaks to")


def campaign_update(
    *,
    actor: Any,
    campaign: Campaign,
    segment_ids: Any = None,
    via: str = "ui",
    **fields: Any,
) -> Campaign:
    """Change a campaign's name, objective, channel, story, dates, budget or segments.

    Its UTM tag stays: links already out in the world keep crediting it.
    """
    policies.require(actor, "change", "campaign", campaign)
    unknown = set(fields) - CAMPAIGN_FIELDS
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "cannot be changed")
    errors: dict[str, str] = {}
    values = _campaign_values(fields, errors, creating=False)
    segments = _segments_of(segment_ids, errors)
    _check_dates(
        values.get("starts_on", campaign.starts_on), values.get("ends_on", campaign.ends_on), errors
    )
    _check_objective(
        {
            "objective": values.get("objective", campaign.objective),
            "vertical": values.get("vertical", campaign.vertical),
        },
        errors,
    )
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(campaign)
    with transaction.atomic():
        for key, value in values.items():
            setattr(campaign, key, value)
        campaign.save()
        if segments is not None:
            campaign.segments.set(segments)
        audit.record_updated(actor=actor, obj=campaign, before=before, via=via)
    return campaign


CAMPAIGN_FIELDS = frozenset(
    {
        "name",
        "objective",
        "channel",
        "message",
        "offer",
        "vertical",
        "budget",
        "starts_on",
        "ends_on",
    }
)


def spend_add(
    *,
    actor: Any,
    campaign: Campaign,
    spent_on: Any,
    amount: Any,
    note: str = "",
    via: str = "ui",
) -> SpendLine:
    """Record money the campaign spent on a day. A line is positive, dated within a year of
    today (no typo'd 2062 invoices), and the total may not pass twice the budget when a budget
    is set — a likely extra zero, refused with the reason."""
    policies.require(actor, "change", "campaign", campaign)
    errors: dict[str, str] = {}
    day = _parse_day(spent_on, "spent_on", errors)
    if day is None and "spent_on" not in errors:
        errors["spent_on"] = "give the day the money was spent"
    money = _parse_money(amount, "amount", errors)
    if money is not None and money == 0:
        errors["amount"] = "must be more than zero"
    today = timezone.localdate()
    if day and abs((day - today).days) > 366:
        errors["spent_on"] = "must be within a year of today"
    if len(note) > 200:
        errors["note"] = "must be at most 200 characters"
    if money and campaign.budget and not errors:
        spent = campaign.spend_lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if spent + money > campaign.budget * SPEND_OVER_BUDGET_FACTOR:
            errors["amount"] = (
                f"would bring spend to {spent + money:,.2f}, more than twice the budget "
                f"({campaign.budget:,.2f}); raise the budget first if that is right"
            )
    if errors:
        raise InvalidInput(errors)
    assert day is not None and money is not None
    line = SpendLine.objects.create(
        campaign=campaign, spent_on=day, amount=money, note=note.strip(), recorded_by=actor
    )
    audit.record_created(actor=actor, obj=line, via=via)
    return line


def spend_delete(*, actor: Any, line: SpendLine, via: str = "ui") -> None:
    policies.require(actor, "change", "campaign", line.campaign)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=line, via=via)
        line.delete()


def link_build(
    *,
    destination: str,
    utm_campaign: str,
    source: str,
    medium: str,
    content: str = "",
    term: str = "",
) -> str:
    """``destination`` with the UTM tags added; its own query and fragment are kept, and any
    UTM tags it already had are replaced."""
    errors: dict[str, str] = {}
    url = (destination or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors["destination"] = "give a full web address starting with https://"
    elif len(url) > 500:
        errors["destination"] = "must be at most 500 characters"
    tags = {"source": source, "medium": medium, "content": content, "term": term}
    for key, value in tags.items():
        value = (value or "").strip()
        if key in ("source", "medium") and not value:
            errors[key] = f"utm_{key} is required"
        elif len(value) > 100:
            errors[key] = "must be at most 100 characters"
        tags[key] = value
    if errors:
        raise InvalidInput(errors)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    query += [
        ("utm_source", tags["source"]),
        ("utm_medium", tags["medium"]),
        ("utm_campaign", utm_campaign),
    ]
    query += [(f"utm_{k}", tags[k]) for k in ("content", "term") if tags[k]]
    return urlunsplit(parts._replace(query=urlencode(query)))


def link_create(
    *,
    actor: Any,
    campaign: Campaign,
    destination: str,
    source: str,
    medium: str,
    content: str = "",
    term: str = "",
    via: str = "ui",
) -> TrackedLink:
    """Build a UTM-tagged link for the campaign and keep it, so the team reuses one link."""
    policies.require(actor, "change", "campaign", campaign)
    url = link_build(
        destination=destination,
        utm_campaign=campaign.utm_campaign,
        source=source,
        medium=medium,
        content=content,
        term=term,
    )
    link = TrackedLink.objects.create(
        campaign=campaign,
        destination=destination.strip(),
        utm_source=source.strip(),
        utm_medium=medium.strip(),
        utm_content=content.strip(),
        utm_term=term.strip(),
        url=url,
        created_by=actor,
    )
    audit.record_created(actor=actor, obj=link, via=via)
    return link


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
