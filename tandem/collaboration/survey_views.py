"""Doors of the voice of the customer: marketing builds and sends surveys, sales reads figures,
customers answer through their signed link."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tandem.access import policies, ratelimit
from tandem.collaboration import survey_links
from tandem.collaboration import survey_selectors as selectors
from tandem.collaboration import survey_services as services
from tandem.collaboration.models import QuestionKind
from tandem.collaboration.schemas import SurveyAnswerForm, SurveyForm, SurveySendIn
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.people.models import AudienceType
from tandem.segments.selectors import segments_by_name

QUESTION_HELP = (
    "One question a line: kind: text | choice | choice. "
    f"Kinds: {', '.join(QuestionKind.values)}. Start a line with ? to make it optional."
)


def questions_from_lines(raw: str) -> list[dict]:
    """``nps: How likely …`` / ``single: Which? | a | b`` lines as question dictionaries."""
    questions = []
    for number, line in enumerate((x.strip() for x in raw.splitlines() if x.strip()), start=1):
        required = not line.startswith("?")
        kind, sep, rest = line.lstrip("?").partition(":")
        if not sep:
            raise InvalidInput.field(
                "questions", f"line {number}: start with a kind, e.g. 'nps: How likely …'"
            )
        text, *choices = [p.strip() for p in rest.split("|")]
        questions.append(
            {"kind": kind.strip().lower(), "text": text, "choices": choices, "required": required}
        )
    return questions


@login_required
def surveys(request):
    """The list of surveys, and for marketing a form for a new one."""
    if not selectors.reads_aggregates(request.user):
        raise policies.PermissionDenied("Your role may not see surveys.")
    can_create = policies.can(request.user, "create", "survey")
    values = {"title": "", "intro": "", "questions": "", "allows_anonymous": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = typed_input(SurveyForm, request.POST).model_dump()
        try:
            survey = services.survey_create(
                actor=request.user,
                title=values["title"],
                intro=values["intro"],
                questions=questions_from_lines(values["questions"]),
                allows_anonymous=bool(values["allows_anonymous"]),
            )
            messages.success(request, f"Survey “{survey}” saved as a draft.")
            return redirect("surveys:survey", survey_id=survey.pk)
        except InvalidInput as exc:
            errors = {k.split(".")[0]: v for k, v in exc.errors.items()}
    return render(
        request,
        "collaboration/surveys.html",
        {
            "surveys": selectors.surveys_for_user(user=request.user),
            "can_create": can_create,
            "values": values,
            "errors": errors,
            "question_help": QUESTION_HELP,
            "section": "surveys",
        },
        status=422 if errors else 200,
    )


@login_required
def survey_detail(request, survey_id: int):
    survey = selectors.survey_get_for_user(user=request.user, survey_id=survey_id)
    return render(
        request,
        "collaboration/survey.html",
        {
            "survey": survey,
            "results": selectors.survey_results(user=request.user, survey=survey),
            "responses": (
                selectors.survey_responses_for_user(user=request.user, survey=survey)[:50]
                if selectors.reads_answers(request.user)
                else None
            ),
            "min_group": selectors.MIN_GROUP,
            "can_change": policies.can(request.user, "change", "survey", survey),
            "audiences": [(a.name.lower(), a.label) for a in AudienceType],
            "segments": segments_by_name().values_list("pk", "name"),
            "section": "surveys",
        },
    )


@login_required
@require_POST
def survey_send(request, survey_id: int):
    survey = selectors.survey_get_for_user(user=request.user, survey_id=survey_id)
    try:
        audience = typed_input(
            SurveySendIn,
            request.POST,
            labels={"segment_id": "Segment"},
            names={"segment_id": "segment"},
        )
        sent = services.survey_send(
            actor=request.user,
            survey=survey,
            audience_type=audience.audience_type,
            segment_id=audience.segment_id,
        )
        messages.success(request, f"Sent to {len(sent)} contact{'s' if len(sent) != 1 else ''}.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("surveys:survey", survey_id=survey.pk)


@login_required
@require_POST
def survey_close(request, survey_id: int):
    survey = selectors.survey_get_for_user(user=request.user, survey_id=survey_id)
    services.survey_close(actor=request.user, survey=survey)
    messages.success(request, "The survey takes no more answers.")
    return redirect("surveys:survey", survey_id=survey.pk)


def _raw_answers(request, questions) -> dict[str, object]:
    return {
        f"q{q.position}": (
            request.POST.getlist(f"q{q.position}")
            if q.kind == QuestionKind.MULTIPLE
            else request.POST.get(f"q{q.position}", "")
        )
        for q in questions
    }


def _answer_page(request, *, survey, done: bool, store, public: bool = False):
    """The answer form, its checks and its thanks; ``store(values)`` keeps a valid answer."""
    questions = list(survey.questions.all())
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    if request.method == "POST" and not done:
        values = _raw_answers(request, questions)
        try:
            store(values)
            return render(
                request, "collaboration/survey_answer.html", {"survey": survey, "thanks": True}
            )
        except InvalidInput as exc:
            errors = exc.errors
    status = 409 if done and request.method == "POST" else (422 if errors else 200)
    return render(
        request,
        "collaboration/survey_answer.html",
        {
            "survey": survey,
            "questions": questions,
            "values": values,
            "errors": errors,
            "done": done,
            "public": public,
            "scale": {"nps": range(0, 11), "rating": range(1, 6)},
        },
        status=status,
    )


def survey_answer(request, token: str):
    """The page a customer reaches from their email: one answer per person."""
    try:
        survey, contact = survey_links.survey_link_open(token=token)
    except survey_links.LinkInvalid:
        return render(request, "collaboration/survey_answer.html", {"invalid": True}, status=404)
    return _answer_page(
        request,
        survey=survey,
        done=services.survey_has_answered(survey=survey, contact=contact),
        store=lambda values: services.survey_answer(
            survey=survey,
            contact=contact,
            answers=values,
            anonymous=typed_input(SurveyAnswerForm, request.POST).anonymous == "yes",
        ),
    )


BROWSER_COOKIE = "tandem_respondent"
PUBLIC_ANSWERS_PER_HOUR = 20


@csrf_exempt  # a public page answered by strangers: no session; cookie + rate limit instead
def survey_public(request, slug: str):
    """A survey's public page: anyone with the address answers once per browser, anonymously."""
    try:
        survey = services.survey_public_open(slug=slug)
    except survey_links.LinkInvalid:
        return render(request, "collaboration/survey_answer.html", {"invalid": True}, status=404)
    browser = request.get_signed_cookie(BROWSER_COOKIE, default="", salt=BROWSER_COOKIE)
    new_browser = not browser
    if new_browser:
        browser = secrets.token_urlsafe(18)
    if request.method == "POST":
        key = f"survey-public:{survey.pk}:{ratelimit.client_address(request)}"
        if not ratelimit.hit(key, limit=PUBLIC_ANSWERS_PER_HOUR, window_seconds=3600):
            return HttpResponse("Too many answers from your address; please try later.", status=429)
    response = _answer_page(
        request,
        survey=survey,
        done=services.survey_has_answered(survey=survey, browser=browser),
        store=lambda values: services.survey_answer_public(
            survey=survey, browser=browser, answers=values
        ),
        public=True,
    )
    if new_browser:
        response.set_signed_cookie(
            BROWSER_COOKIE,
            browser,
            salt=BROWSER_COOKIE,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@login_required
@require_POST
def survey_publish(request, survey_id: int):
    survey = selectors.survey_get_for_user(user=request.user, survey_id=survey_id)
    try:
        services.survey_publish(actor=request.user, survey=survey)
        messages.success(request, "The survey has a public page now.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("surveys:survey", survey_id=survey.pk)
