"""Marketing's use cases: campaigns, and lead capture through public forms."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify

from tandem.access import policies, ratelimit
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing import forms as form_defs
from tandem.marketing import tracking
from tandem.marketing.models import (
    Campaign,
    FormSubmission,
    LeadForm,
    Objective,
    SpendLine,
    TrackedLink,
)
from tandem.marketing.tasks import submission_confirm_send
from tandem.people import services as people
from tandem.people.models import Channel, ConsentChannel, TouchKind
from tandem.segments.models import Segment

FORM_STARTED_SALT = "tandem.marketing.form-started"
CONFIRM_SALT = "tandem.marketing.form-confirm"
FORM_TOKEN_MAX_AGE = 24 * 3600
CONFIRM_MAX_AGE = 7 * 24 * 3600
MONEY_LIMIT = Decimal("10000000000")
# Spend may run over budget (a late invoice), but not past twice it: that is a typo.
SPEND_OVER_BUDGET_FACTOR = 2

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


campaign_for_utm = tracking.campaign_for_utm


@dataclass(frozen=True)
class SubmissionResult:
    submission: FormSubmission
    is_new_contact: bool


def _clean_submission(
    form: LeadForm, data: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str], bool, dict[str, str], str]:
    """The answers by contact field, the custom answers, consent, the UTM tags and the
    referrer the embedding page handed over (``referrer``, empty if none)."""
    errors: dict[str, str] = {}
    fields = form_defs.fields_of(form)
    email_name = next(f["name"] for f in fields if f["maps_to"] == "email")
    try:
        values, custom = form_defs.answers_clean(fields, data)
    except InvalidInput as exc:
        errors.update(exc.errors)
        values, custom = {"email": str(data.get(email_name) or "")}, {}
    if email_name not in errors:
        try:
            values["email"] = people.email_normalise(values.get("email", ""), field=email_name)
        except InvalidInput as exc:
            errors.update(exc.errors)
    consent = CONSENT_ANSWERS.get(str(data.get("consent") or "").strip().lower())
    if consent is None:
        errors["consent"] = "must be yes or no"
    utm = {k: str(data.get(f"utm_{k}", "") or "")[:100] for k in UTM_KEYS}
    referrer = ""
    try:
        referrer = tracking.web_address_clean(data.get("referrer"), "referrer", required=False)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return values, custom, bool(consent), utm, referrer


def form_started_token() -> str:
    """A signed timestamp for the hosted page; the submission says how long the visitor took."""
    return signing.Signer(salt=FORM_STARTED_SALT).sign(f"{time.time():.3f}")


def _check_timing(token: Any) -> None:
    """A form sent back sooner than a person can type is a bot's; a token days old is a
    replay. Server-to-server posts (the API) and plain HTML embeds carry no token and rely on
    the honeypot and the rate limit."""
    if not token:
        return
    try:
        started = float(signing.Signer(salt=FORM_STARTED_SALT).unsign(str(token)))
    except (signing.BadSignature, ValueError):
        raise SubmissionRefused("the form was tampered with", 400) from None
    took = time.time() - started
    if took < settings.TANDEM_FORM_MIN_SECONDS:
        raise SubmissionRefused("sent too quickly", 400)
    if took > FORM_TOKEN_MAX_AGE:
        raise SubmissionRefused("the form was open too long; reload it", 400)


def form_submit(
    *,
    form: LeadForm,
    data: dict[str, Any],
    client_address: str,
    referrer: str = "",
    rate_key: str = "",
    visitor_id: str = "",
) -> SubmissionResult:
    """A visitor submits a lead form: dedupe by email, record the touch with its UTM source,
    record consent as given (or not), and let the relay score and hand off.

    ``client_address`` is the sender's IP address, kept with the submission; ``rate_key``
    names whose submissions the hourly limit counts (default: that address). ``referrer`` is
    the request's, used unless the data carries the ``referrer`` the embedding page's tracker
    handed over (the page before the host page). ``visitor_id``
    (the tracking cookie) turns the visitor's earlier page visits into touches of the contact.
    On a double opt-in form, a ticked consent box sends a confirmation email and consent is
    granted only when the visitor confirms. Bad input raises ``InvalidInput`` naming the
    fields and stores nothing.
    """
    if not form.is_active:
        raise InvalidInput.field("form", "this form is closed")
    if str(data.get(HONEYPOT_FIELD, "") or "").strip():
        raise SubmissionRefused("honeypot filled", 400)
    _check_timing(data.get("form_started"))
    if not ratelimit.hit(
        f"form:{rate_key or client_address}",
        limit=settings.TANDEM_FORM_SUBMISSIONS_PER_HOUR,
        window_seconds=3600,
    ):
        raise SubmissionRefused("too many submissions from this address", 429)
    values, custom, consent, utm, page_referrer = _clean_submission(form, data)
    # An embedded form is posted from Tandem's own page (iframe) or the host page; the page the
    # visitor came from is the one the host page's tracker handed over, if it did.
    referrer = page_referrer or referrer
    campaign = campaign_for_utm(utm["campaign"]) or form.campaign
    channel = campaign.channel if campaign else _channel_from_utm(utm["medium"])
    via = f"form:{form.slug}"
    awaiting_confirmation = consent and form.is_double_opt_in
    visitor_id = tracking.visitor_id_clean(visitor_id)
    with transaction.atomic():
        contact, created = people.contact_upsert(
            actor=None,
            email=values["email"],
            via=via,
            company_name=values.get("company", ""),
            fields={k: values.get(k, "") for k in ("first_name", "last_name", "title", "phone")},
        )
        now = timezone.now()
        if visitor_id:
            tracking.visits_join(visitor_id=visitor_id, contact=contact)
        if (consent and not awaiting_confirmation) or created:
            # An unticked box on a repeat visit must not withdraw an earlier yes; a box ticked
            # on a double opt-in form grants nothing until the visitor confirms.
            people.consent_record(
                contact=contact,
                channel=ConsentChannel.EMAIL,
                is_granted=consent and not awaiting_confirmation,
                source=via,
                wording=form.consent_wording if consent and not awaiting_confirmation else "",
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
            data={**values, **custom, **{f"utm_{k}": v for k, v in utm.items() if v}},
            consent_given=consent,
            consent_wording=form.consent_wording if consent else "",
            client_address=client_address if client_address != "unknown" else None,
            visitor_id=visitor_id,
            submitted_at=now,
        )
        if awaiting_confirmation:
            submission_id = submission.pk
            transaction.on_commit(lambda: submission_confirm_send.enqueue(submission_id))
    return SubmissionResult(submission=submission, is_new_contact=created)


def submission_confirm_token(submission: FormSubmission) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(submission.pk))


def submission_confirm(*, token: str) -> FormSubmission:
    """The visitor followed the double opt-in link: consent is granted with the wording they
    saw on the form. Following it twice changes nothing."""
    try:
        raw = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput.field("token", "this link has expired; send the form again") from None
    except signing.BadSignature:
        raise InvalidInput.field("token", "this link is not valid") from None
    with transaction.atomic():
        submission = (
            FormSubmission.objects.select_for_update()
            .select_related("form", "contact")
            .filter(pk=int(raw))
            .first()
        )
        if submission is None:
            raise InvalidInput.field("token", "this link is not valid")
        if submission.confirmed_at is None:
            submission.confirmed_at = timezone.now()
            submission.save(update_fields=["confirmed_at"])
            people.consent_record(
                contact=submission.contact,
                channel=ConsentChannel.EMAIL,
                is_granted=True,
                source=f"form:{submission.form.slug} (confirmed by email)",
                wording=submission.consent_wording,
                at=submission.confirmed_at,
            )
    return submission


def form_create(
    *,
    actor: Any,
    name: str,
    slug: str = "",
    fields: Any = None,
    campaign: Campaign | None = None,
    headline: str = "",
    consent_wording: str = "",
    thank_you: str = "",
    is_double_opt_in: bool = False,
    via: str = "ui",
) -> LeadForm:
    """Create a lead form from a definition (``forms.definition_check`` says what is valid)."""
    policies.require(actor, "create", "lead_form")
    errors: dict[str, str] = {}
    values = _form_values(
        {
            "name": name,
            "headline": headline,
            "consent_wording": consent_wording,
            "thank_you": thank_you,
        },
        errors,
    )
    code = slugify(slug or name)[:100]
    if not code:
        errors.setdefault("slug", "make the address from letters or digits")
    elif LeadForm.objects.filter(slug=code).exists():
        errors["slug"] = f"'{code}' is already used by another form"
    try:
        definition = form_defs.definition_check(
            fields if fields is not None else form_defs.DEFAULT_FIELDS
        )
    except InvalidInput as exc:
        errors.update(exc.errors)
        definition = []
    if errors:
        raise InvalidInput(errors)
    form = LeadForm.objects.create(
        slug=code,
        fields=definition,
        campaign=campaign,
        is_double_opt_in=bool(is_double_opt_in),
        owner=actor,
        **{k: v for k, v in values.items() if v},
    )
    audit.record_created(actor=actor, obj=form, via=via)
    return form


def form_delete(*, actor: Any, form: LeadForm, via: str = "ui") -> None:
    """Delete a form with its submissions; the contacts and touches it brought stay."""
    policies.require(actor, "delete", "lead_form", form)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=form, via=via)
        form.delete()


def _form_values(fields: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    limits = {"name": 200, "headline": 200, "consent_wording": 2000, "thank_you": 300}
    values: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        value = str(value).strip()
        if len(value) > limits[key]:
            errors[key] = f"must be at most {limits[key]} characters"
        values[key] = value
    if "name" in values and not values["name"]:
        errors["name"] = "a form needs a name"
    return values


def form_update(
    *,
    actor: Any,
    form: LeadForm,
    fields: Any = None,
    campaign: Campaign | None | bool = False,
    is_double_opt_in: bool | None = None,
    is_active: bool | None = None,
    via: str = "ui",
    **texts: Any,
) -> LeadForm:
    """Change a form's fields, texts, campaign or opt-in. Its address (slug) stays."""
    policies.require(actor, "change", "lead_form", form)
    errors: dict[str, str] = {}
    unknown = set(texts) - {"name", "headline", "consent_wording", "thank_you"}
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "cannot be changed")
    values = _form_values(texts, errors)
    definition = None
    if fields is not None:
        try:
            definition = form_defs.definition_check(fields)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(form)
    for key, value in values.items():
        setattr(form, key, value)
    if definition is not None:
        form.fields = definition
    if campaign is not False:
        form.campaign = campaign  # type: ignore[assignment]
    if is_double_opt_in is not None:
        form.is_double_opt_in = is_double_opt_in
    if is_active is not None:
        form.is_active = is_active
    form.save()
    audit.record_updated(actor=actor, obj=form, before=before, via=via)
    return form


MEDIUM_CHANNELS = tracking.MEDIUM_CHANNELS
_channel_from_utm = tracking.channel_from_utm
