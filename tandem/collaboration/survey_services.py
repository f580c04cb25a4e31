"""Use cases of the voice of the customer: build a survey, send it, take one answer each."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify

from tandem.access import policies
from tandem.audit import events as audit
from tandem.collaboration.models import (
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
)
from tandem.collaboration.services import plain_text
from tandem.collaboration.survey_links import LINK_SALT, LinkInvalid
from tandem.collaboration.survey_releases import survey_release
from tandem.collaboration.tasks import survey_invitation_send
from tandem.errors import InvalidInput
from tandem.mailing.models import Suppression
from tandem.people.models import AUDIENCE_BY_NAME, Contact
from tandem.segments.models import Segment
from tandem.segments.selectors import audience_contacts

RATING_MAX = 5
NPS_MAX = 10
TEXT_MAX_CHARS = 2000
ALREADY_ANSWERED = "you have already answered this survey — thank you"


def survey_create(
    *,
    actor: Any,
    title: Any,
    questions: list[dict[str, Any]],
    intro: Any = "",
    allows_anonymous: bool = False,
    via: str = "ui",
) -> Survey:
    """A draft survey with its questions, each ``{"kind", "text", "choices"?, "required"?}``."""
    policies.require(actor, "create", "survey")
    name = plain_text(title, field="title", max_chars=200)
    about = plain_text(intro, field="intro", max_chars=2000, required=False)
    if not questions:
        raise InvalidInput.field("questions", "a survey needs at least one question")
    cleaned = []
    for number, q in enumerate(questions, start=1):
        field = f"questions.{number}"
        kind = q.get("kind", "")
        if kind not in QuestionKind.values:
            raise InvalidInput.field(field, f"use one of {', '.join(QuestionKind.values)}")
        text = plain_text(q.get("text"), field=field, max_chars=300)
        choices = [plain_text(c, field=field, max_chars=100) for c in q.get("choices") or []]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(set(choices)) < 2:
            raise InvalidInput.field(
                field, "a choice question needs at least two different choices"
            )
        if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            choices = []
        cleaned.append((kind, text, choices, bool(q.get("required", True))))
    with transaction.atomic():
        survey = Survey.objects.create(
            title=name, intro=about, owner=actor, allows_anonymous=allows_anonymous
        )
        Question.objects.bulk_create(
            Question(survey=survey, position=i, kind=k, text=t, choices=c, is_required=r)
            for i, (k, t, c, r) in enumerate(cleaned, start=1)
        )
        audit.record_created(actor=actor, obj=survey, via=via)
    return survey


def survey_send(
    *,
    actor: Any,
    survey: Survey,
    audience_type: str = "",
    segment_id: int | None = None,
    via: str = "ui",
) -> list[SurveyInvitation]:
    """Open the survey and email a signed link to every contact of the audience type (or of
    the segment) who agreed to email, is not on the suppression list and was not invited yet
    (through ``mailing.gate``, which checks both again right before each message)."""
    policies.require(actor, "change", "survey", survey)
    if survey.status == SurveyStatus.CLOSED:
        raise InvalidInput.field("status", "this survey is closed")
    contacts = _recipients(audience_type=audience_type, segment_id=segment_id)
    already = SurveyInvitation.objects.filter(survey=survey).values("contact_id")
    # The gate reads consent and the suppression list again for each message; these filters
    # only keep invitations from being written for people it would refuse anyway.
    contacts = (
        contacts.filter(consents__channel="email", consents__is_granted=True)
        .exclude(pk__in=already)
        .exclude(email__in=Suppression.objects.filter(email__isnull=False).values("email"))
    )
    now = timezone.now()
    with transaction.atomic():
        _open(actor=actor, survey=survey, via=via)
        invitations = SurveyInvitation.objects.bulk_create(
            SurveyInvitation(survey=survey, contact=c, sent_at=now) for c in contacts.distinct()
        )
        ids = [i.pk for i in invitations]
        transaction.on_commit(lambda: [survey_invitation_send.enqueue(pk) for pk in ids])
    return invitations


def _recipients(*, audience_type: str, segment_id: int | None) -> QuerySet[Contact]:
    if segment_id:
        segment = Segment.objects.filter(pk=segment_id).first()
        if segment is None:
            raise InvalidInput.field("segment", "no such segment")
        return audience_contacts(segments=[segment])
    audience = AUDIENCE_BY_NAME.get(str(audience_type).lower())
    if audience is None:
        raise InvalidInput.field(
            "audience_type", f"choose a segment or one of {', '.join(AUDIENCE_BY_NAME)}"
        )
    return Contact.objects.annotate(in_audience=F("audience_flags").bitand(audience.value)).filter(
        in_audience__gt=0
    )


def _open(*, actor: Any, survey: Survey, via: str) -> None:
    if survey.status == SurveyStatus.DRAFT:
        before = audit.snapshot(survey)
        survey.status = SurveyStatus.OPEN
        survey.save(update_fields=["status"])
        audit.record_updated(actor=actor, obj=survey, before=before, via=via)


def survey_publish(*, actor: Any, survey: Survey, via: str = "ui") -> Survey:
    """Open the survey and give it a public page; answers there are always anonymous."""
    policies.require(actor, "change", "survey", survey)
    if survey.status == SurveyStatus.CLOSED:
        raise InvalidInput.field("status", "this survey is closed")
    if not survey.allows_anonymous:
        raise InvalidInput.field(
            "allows_anonymous",
            "a public page has no named respondents: only a survey that allows anonymous "
            "answers can have one",
        )
    with transaction.atomic():
        _open(actor=actor, survey=survey, via=via)
        if not survey.public_slug:
            before = audit.snapshot(survey)
            # A readable stem and a random tail: the address is shared, never guessed.
            stem = slugify(survey.title)[:40].strip("-") or "survey"
            survey.public_slug = f"{stem}-{secrets.token_urlsafe(6).lower().replace('_', '-')}"
            survey.save(update_fields=["public_slug"])
            audit.record_updated(actor=actor, obj=survey, before=before, via=via)
    return survey


def survey_public_open(*, slug: str) -> Survey:
    """The survey behind a public page, or ``LinkInvalid``."""
    survey = Survey.objects.filter(public_slug=slug).first()
    if survey is None or not slug:
        raise LinkInvalid
    return survey


def survey_close(*, actor: Any, survey: Survey, via: str = "ui") -> Survey:
    policies.require(actor, "change", "survey", survey)
    before = audit.snapshot(survey)
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status"])
    audit.record_updated(actor=actor, obj=survey, before=before, via=via)
    return survey


def survey_delete(*, actor: Any, survey: Survey, via: str = "ui") -> None:
    policies.require(actor, "delete", "survey", survey)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=survey, via=via)
        survey.delete()


def _respondent_key(survey: Survey, contact: Contact) -> str:
    # Keyed with the server's secret: the key alone does not say who answered anonymously.
    return salted_hmac(LINK_SALT, f"{survey.pk}:{contact.pk}", algorithm="sha256").hexdigest()


def _browser_key(survey: Survey, browser: str) -> str:
    return salted_hmac(LINK_SALT, f"{survey.pk}:browser:{browser}", algorithm="sha256").hexdigest()


def survey_has_answered(
    *, survey: Survey, contact: Contact | None = None, browser: str = ""
) -> bool:
    """Whether this contact (signed link) or this browser (public page) answered already."""
    key = _respondent_key(survey, contact) if contact else _browser_key(survey, browser)
    return SurveyResponse.objects.filter(survey=survey, respondent_key=key).exists()


def _answer_of(question: Question, raw: Any) -> dict[str, Any] | None:
    """The stored form of one raw answer, ``None`` when skipped, or ``InvalidInput``."""
    field = f"q{question.position}"
    label = f"question {question.position} ({question.text})"
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    values = [str(v).strip() for v in values if str(v).strip()]
    if not values:
        if question.is_required:
            raise InvalidInput.field(field, f"{label} needs an answer")
        return None
    kind = question.kind
    if kind in (QuestionKind.NPS, QuestionKind.RATING):
        low, high = (0, NPS_MAX) if kind == QuestionKind.NPS else (1, RATING_MAX)
        try:
            number = int(values[0])
        except ValueError:
            number = None
        if number is None or len(values) != 1 or not low <= number <= high:
            raise InvalidInput.field(field, f"{label} takes a whole number from {low} to {high}")
        return {"number": number}
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        unknown = [v for v in values if v not in question.choices]
        if unknown or (kind == QuestionKind.SINGLE and len(values) != 1):
            raise InvalidInput.field(
                field,
                f"{label} takes {'one' if kind == QuestionKind.SINGLE else 'any'} of "
                f"{', '.join(question.choices)}",
            )
        return {"choices": sorted(set(values), key=question.choices.index)}
    return {"text": plain_text(values[0], field=field, max_chars=TEXT_MAX_CHARS)}


def survey_answer(
    *,
    survey: Survey,
    contact: Contact,
    answers: dict[str, Any],
    anonymous: bool = False,
) -> SurveyResponse:
    """Store one respondent's answers, checking every one; a second answer is refused.

    ``answers`` maps ``q<position>`` to the raw value (a list for several choices). Anonymous
    answers keep no link to the contact, and are refused unless the survey allows them.
    """
    if anonymous and not survey.allows_anonymous:
        raise InvalidInput.field("anonymous", "this survey does not take anonymous answers")
    return _response_store(
        survey=survey,
        respondent_key=_respondent_key(survey, contact),
        contact=None if anonymous else contact,
        audience_flags=contact.audience_flags,
        answers=answers,
    )


def survey_answer_public(
    *, survey: Survey, browser: str, answers: dict[str, Any]
) -> SurveyResponse:
    """Store an answer from the survey's public page: anonymous, once per browser."""
    if not survey.public_slug:
        raise InvalidInput.field("survey", "this survey has no public page")
    if not browser:
        raise InvalidInput.field("survey", "please allow cookies so we can take your answer once")
    return _response_store(
        survey=survey,
        respondent_key=_browser_key(survey, browser),
        contact=None,
        audience_flags=0,
        answers=answers,
    )


def _response_store(
    *,
    survey: Survey,
    respondent_key: str,
    contact: Contact | None,
    audience_flags: int,
    answers: dict[str, Any],
) -> SurveyResponse:
    if survey.status != SurveyStatus.OPEN:
        raise InvalidInput.field("survey", "this survey is no longer taking answers")
    if SurveyResponse.objects.filter(survey=survey, respondent_key=respondent_key).exists():
        raise InvalidInput.field("survey", ALREADY_ANSWERED)
    cleaned = []
    errors: dict[str, str] = {}
    for question in survey.questions.all():
        try:
            value = _answer_of(question, answers.get(f"q{question.position}"))
        except InvalidInput as exc:
            errors.update(exc.errors)
            continue
        if value is not None:
            cleaned.append((question, value))
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey,
                contact=contact,
                respondent_key=respondent_key,
                is_anonymous=contact is None,
                audience_flags=audience_flags,
                submitted_at=timezone.now(),
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(response=response, question=q, **v) for q, v in cleaned
            )
    except IntegrityError:
        # Two submissions raced; the unique constraint kept the first.
        raise InvalidInput.field("survey", ALREADY_ANSWERED) from None
    # The figures move only in steps of five answers or more (see survey_releases).
    survey_release(survey=survey)
    return response
