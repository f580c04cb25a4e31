"""Marketing's lead forms: their definitions, a visitor's submission and double opt-in."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tandem.access import policies, ratelimit
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.fields.services import CustomValuesInvalid, custom_values_clean
from tandem.handoff import services as handoff
from tandem.marketing import forms as form_defs
from tandem.marketing import tracking
from tandem.marketing.business_events import form_submitted_event
from tandem.marketing.confirmation import submission_id_from_token
from tandem.marketing.models import Campaign, FormSubmission, LeadForm
from tandem.marketing.tasks import submission_confirm_send
from tandem.people import services as people
from tandem.people.email_gate import consent_confirmed_announce
from tandem.people.models import ConsentChannel, TouchKind

FORM_STARTED_SALT = "tandem.marketing.form-started"
FORM_TOKEN_MAX_AGE = 24 * 3600

HONEYPOT_FIELD = "website"
# What a consent box or an API flag may say; an unticked box sends nothing at all.
CONSENT_ANSWERS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("", "0", "false", "no", "off"), False),
}
FORM_TEXT_LIMITS = {"name": 200, "headline": 200, "consent_wording": 2000, "thank_you": 300}


class SubmissionRefused(Exception):
    """A submission refused for abuse (rate limit, honeypot); says nothing more to the sender.

    ``looks_accepted``: the sender is answered as if it had gone through (a bot that filled the
    honeypot must not learn what caught it); nothing is stored."""

    def __init__(self, reason: str, status: int, *, looks_accepted: bool = False):
        self.reason, self.status, self.looks_accepted = reason, status, looks_accepted
        super().__init__(reason)


@dataclass(frozen=True)
class SubmissionResult:
    """The submission stored, and whether it brought a contact Tandem did not know."""

    submission: FormSubmission
    is_new_contact: bool


@dataclass(frozen=True)
class _Answers:
    """A submission's checked answers: by contact field (``values``), the form's own questions
    (``custom``), consent, the UTM tags and the referrer the embedding page handed over."""

    values: dict[str, str]
    custom: dict[str, str]
    consent: bool
    utm: dict[str, str]
    referrer: str


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
    unknown = set(texts) - set(FORM_TEXT_LIMITS)
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


def form_delete(*, actor: Any, form: LeadForm, via: str = "ui") -> None:
    """Delete a form with its submissions; the contacts and touches it brought stay."""
    policies.require(actor, "delete", "lead_form", form)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=form, via=via)
        form.delete()


def _form_values(fields: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """The form's texts given, stripped; each one too long goes into ``errors``."""
    values: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        value = str(value).strip()
        if len(value) > FORM_TEXT_LIMITS[key]:
            errors[key] = f"must be at most {FORM_TEXT_LIMITS[key]} characters"
        values[key] = value
    if "name" in values and not values["name"]:
        errors["name"] = "a form needs a name"
    return values


def form_started_token() -> str:
    """A signed timestamp for the hosted page; the submission says how long the visitor took."""
    return signing.Signer(salt=FORM_STARTED_SALT).sign(f"{time.time():.3f}")


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
    _submission_check(form, data, rate_key=rate_key or client_address)
    answers = _submission_clean(form, data)
    # An embedded form is posted from Tandem's own page (iframe) or the host page; the page the
    # visitor came from is the one the host page's tracker handed over, if it did.
    referrer = answers.referrer or referrer
    campaign = tracking.campaign_for_utm(answers.utm["campaign"]) or form.campaign
    channel = campaign.channel if campaign else tracking.channel_from_utm(answers.utm["medium"])
    awaiting_confirmation = answers.consent and form.is_double_opt_in
    visitor_id = tracking.visitor_id_clean(visitor_id)
    with transaction.atomic():
        submission, created = _submission_write(
            form=form,
            answers=answers,
            campaign=campaign,
            channel=channel,
            referrer=referrer,
            client_address=client_address,
            visitor_id=visitor_id,
            awaiting_confirmation=awaiting_confirmation,
        )
        if awaiting_confirmation:
            _confirmation_send_on_commit(submission)
        form_submitted_event(submission, form=form, is_new_contact=created)
    return SubmissionResult(submission=submission, is_new_contact=created)


def _submission_check(form: LeadForm, data: dict[str, Any], *, rate_key: str) -> None:
    """Refuse a closed form, a bot (honeypot, timing) and a sender past the hourly limit,
    before any answer is read."""
    if not form.is_active:
        raise InvalidInput.field("form", "this form is closed")
    if str(data.get(HONEYPOT_FIELD, "") or "").strip():
        raise SubmissionRefused("honeypot filled", 201, looks_accepted=True)
    _check_timing(data.get("form_started"))
    if not ratelimit.hit(
        f"form:{rate_key}",
        limit=settings.TANDEM_FORM_SUBMISSIONS_PER_HOUR,
        window_seconds=3600,
    ):
        raise SubmissionRefused("too many submissions from this address", 429)


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


def _submission_clean(form: LeadForm, data: dict[str, Any]) -> _Answers:
    """The submission's answers checked against the form's fields; every problem is raised
    at once as ``InvalidInput`` naming the fields."""
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
    _custom_values_check(fields, values, errors)
    consent = CONSENT_ANSWERS.get(str(data.get("consent") or "").strip().lower())
    if consent is None:
        errors["consent"] = "must be yes or no"
    utm = {k: str(data.get(f"utm_{k}", "") or "")[:100] for k in tracking.UTM_KEYS}
    referrer = ""
    try:
        referrer = tracking.web_address_clean(data.get("referrer"), "referrer", required=False)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return _Answers(values, custom, bool(consent), utm, referrer)


def _custom_values_check(
    fields: list[dict[str, Any]], values: dict[str, str], errors: dict[str, str]
) -> None:
    """The answers that fill contact custom fields, through the fields' own gate: each refused
    one goes into ``errors`` under its name on the form, before anything is stored."""
    name_of = {f["maps_to"]: f["name"] for f in fields}
    sent = {
        form_defs.custom_target_key(t): v
        for t, v in values.items()
        if form_defs.custom_target_key(t) and v
    }
    try:
        custom_values_clean("contact", sent)
    except CustomValuesInvalid as exc:
        for key, message in exc.errors.items():
            errors[name_of[f"{form_defs.CUSTOM_FIELD_PREFIX}{key}"]] = message


def _submission_write(
    *,
    form: LeadForm,
    answers: _Answers,
    campaign: Campaign | None,
    channel: str,
    referrer: str,
    client_address: str,
    visitor_id: str,
    awaiting_confirmation: bool,
) -> tuple[FormSubmission, bool]:
    """Store the submission inside the caller's transaction: the contact (new or found by
    email), their earlier visits, consent, the touch and the submission itself."""
    via = f"form:{form.slug}"
    values, consent = answers.values, answers.consent
    contact, created = people.contact_upsert(
        actor=None,
        email=values["email"],
        via=via,
        company_name=values.get("company", ""),
        fields={k: values.get(k, "") for k in ("first_name", "last_name", "title", "phone")},
        custom={
            form_defs.custom_target_key(t): v
            for t, v in values.items()
            if form_defs.custom_target_key(t) and v
        },
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
        utm=answers.utm,
        referrer=referrer,
        summary=f"Submitted {form.name}",
        occurred_at=now,
        via=via,
    )
    submission = FormSubmission.objects.create(
        form=form,
        contact=contact,
        touch=touch,
        data={**values, **answers.custom, **{f"utm_{k}": v for k, v in answers.utm.items() if v}},
        consent_given=consent,
        consent_wording=form.consent_wording if consent else "",
        client_address=client_address if client_address != "unknown" else None,
        visitor_id=visitor_id,
        submitted_at=now,
    )
    return submission, created


def _confirmation_send_on_commit(submission: FormSubmission) -> None:
    """Send the double opt-in email once the submission is committed, never for one rolled
    back."""
    submission_id = submission.pk
    transaction.on_commit(lambda: submission_confirm_send.enqueue(submission_id))


def submission_confirm(*, token: str) -> FormSubmission:
    """The visitor followed the double opt-in link: consent is granted with the wording they
    saw on the form. Following it twice changes nothing."""
    submission_id = submission_id_from_token(token)
    with transaction.atomic():
        submission = (
            FormSubmission.objects.select_for_update()
            .select_related("form", "contact")
            .filter(pk=submission_id)
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
            # Proven by the signed link: an earlier unsubscribe of the address is lifted.
            consent_confirmed_announce(
                contact_id=submission.contact_id, email=submission.contact.email
            )
    return submission
