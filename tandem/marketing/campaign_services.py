"""Marketing's campaigns: their story, dates, budget and segments, spend lines and UTM links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.marketing.models import Campaign, Objective, SpendLine, TrackedLink
from tandem.people.models import Channel
from tandem.segments.models import Segment

MONEY_LIMIT = Decimal("10000000000")
# Spend may run over budget (a late invoice), but not past twice it: that is a typo.
SPEND_OVER_BUDGET_FACTOR = 2
# The UTM tag is not among them: links already out in the world keep crediting it.
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


def _name_taken(name: str, pk: int | None) -> bool:
    """Whether another campaign already has this name (in any case)."""
    others = Campaign.objects.filter(name__iexact=name)
    return (others.exclude(pk=pk) if pk is not None else others).exists()


def _campaign_values(
    fields: dict[str, Any], errors: dict[str, str], *, creating: bool, pk: int | None = None
) -> dict[str, Any]:
    """The campaign fields given, checked; each problem goes into ``errors`` under its field."""
    values: dict[str, Any] = {}
    if "name" in fields or creating:
        name = str(fields.get("name") or "").strip()
        if not name:
            errors["name"] = "a campaign needs a name"
        elif len(name) > 200:
            errors["name"] = "must be at most 200 characters"
        # Reports credit campaigns by name (attribution by campaign): two of one name would
        # share their credit, and people could not tell them apart in a list either.
        elif _name_taken(name, pk):
            errors["name"] = f"another campaign is already called '{name}'"
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
    values = _campaign_values(fields, errors, creating=False, pk=campaign.pk)
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
    """Remove a spend line (one typed in error); the audit trail keeps what it said."""
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
