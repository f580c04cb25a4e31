"""Voice of the customer: surveys by marketing, one answer each, sales sees only aggregates."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied

from tandem.collaboration import survey_links
from tandem.collaboration import survey_selectors as selectors
from tandem.collaboration import survey_services as services
from tandem.collaboration.models import SurveyAnswer, SurveyResponse
from tandem.errors import InvalidInput
from tandem.people import services as people

NPS_RANGE = "question 1 (How likely are you to recommend us?) takes a whole number from 0 to 10"
QUESTIONS = [
    {"kind": "nps", "text": "How likely are you to recommend us?"},
    {"kind": "rating", "text": "How was onboarding?"},
    {"kind": "single", "text": "Main reason you bought?", "choices": ["Price", "Support", "Fit"]},
    {"kind": "multiple", "text": "Which do you use?", "choices": ["API", "Reports", "Forms"]},
    {"kind": "text", "text": "What should we do better?", "required": False},
]


def a_customer(cast, number: int, audience=("customer",), consent=True):
    contact = people.contact_create(
        actor=cast.marketer,
        email=f"customer{number}@acme.test",
        first_name=f"Cus{number}",
        audience_types=list(audience),
    )
    people.consent_record(contact=contact, channel="email", is_granted=consent, source="test")
    return contact


@pytest.fixture
def survey(cast):
    survey = services.survey_create(
        actor=cast.marketer, title="How are we doing?", questions=QUESTIONS, allows_anonymous=True
    )
    return survey


@pytest.fixture
def open_survey(cast, survey):
    services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    survey.refresh_from_db()
    return survey


def answer(survey, contact, nps=9, rating=4, single="Price", multiple=("API",), text="", **kw):
    return services.survey_answer(
        survey=survey,
        contact=contact,
        answers={"q1": nps, "q2": rating, "q3": single, "q4": list(multiple), "q5": text},
        **kw,
    )


def test_sending_emails_a_signed_link_to_each_consenting_contact_of_the_audience_once(
    cast, survey, smtp_inbox, django_capture_on_commit_callbacks
):
    # given two consenting customers, one without consent, one prospect
    first, second = a_customer(cast, 1), a_customer(cast, 2)
    a_customer(cast, 3, consent=False)
    a_customer(cast, 4, audience=("prospect",))

    # when marketing sends the survey to customers, twice
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
        again = services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")

    # then each consenting customer got one email with a link that opens their own survey
    assert (len(sent), len(again)) == (2, 0)
    assert sorted(m["To"] for m in smtp_inbox.messages) == [first.email, second.email]
    message = next(m for m in smtp_inbox.messages if m["To"] == first.email)
    assert message["Subject"] == "How are we doing?"
    token = re.search(r"/s/([^/\s]+)/", message.get_payload()).group(1)
    assert survey_links.survey_link_open(token=token) == (survey, first)


def test_an_altered_link_is_refused(cast, open_survey, client):
    token = survey_links.survey_link_token(survey=open_survey, contact=a_customer(cast, 1))

    response = client.get(f"/s/{token[:-2]}xx/")

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_only_marketing_builds_and_sends_surveys(cast, survey):
    with pytest.raises(PermissionDenied):
        services.survey_create(actor=cast.sales_rep, title="Mine", questions=QUESTIONS)
    with pytest.raises(PermissionDenied):
        services.survey_send(actor=cast.sales_manager, survey=survey, audience_type="customer")


def test_an_answer_is_stored_with_the_contact(cast, open_survey):
    contact = a_customer(cast, 1)

    response = answer(open_survey, contact, multiple=["Reports", "API"], text="More reports")

    assert response.contact == contact and response.is_anonymous is False
    assert {a.question.position: (a.number, a.choices, a.text) for a in response.answers.all()} == {
        1: (9, [], ""),
        2: (4, [], ""),
        3: (None, ["Price"], ""),
        4: (None, ["API", "Reports"], ""),
        5: (None, [], "More reports"),
    }


def test_a_second_answer_through_the_same_link_is_refused_politely(cast, open_survey, client):
    contact = a_customer(cast, 1)
    answer(open_survey, contact)

    with pytest.raises(InvalidInput) as refused:
        answer(open_survey, contact, nps=0)
    assert refused.value.errors == {"survey": "you have already answered this survey — thank you"}

    token = survey_links.survey_link_token(survey=open_survey, contact=contact)
    page = client.post(f"/s/{token}/", {"q1": "0", "q2": "1", "q3": "Fit", "q4": "API"})
    assert page.status_code == 409
    assert "You have already answered this survey — thank you." in page.content.decode()
    assert SurveyAnswer.objects.filter(question__position=1).get().number == 9


def test_an_anonymous_answer_keeps_no_contact_and_still_counts_once(cast, open_survey):
    contact = a_customer(cast, 1)

    response = answer(open_survey, contact, anonymous=True)

    assert (response.contact, response.is_anonymous) == (None, True)
    assert selectors.responses_for_contact(user=cast.marketer, contact=contact).count() == 0
    with pytest.raises(InvalidInput):
        answer(open_survey, contact)


def test_anonymous_answers_are_refused_when_the_survey_does_not_allow_them(cast):
    survey = services.survey_create(actor=cast.marketer, title="Named", questions=QUESTIONS[:1])
    a_customer(cast, 1)
    services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    survey.refresh_from_db()

    with pytest.raises(InvalidInput) as refused:
        services.survey_answer(
            survey=survey, contact=a_customer(cast, 2), answers={"q1": 5}, anonymous=True
        )
    assert refused.value.errors == {"anonymous": "this survey does not take anonymous answers"}


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        pytest.param(
            {"nps": 11},
            {"q1": NPS_RANGE},
            id="nps-11",
        ),
        pytest.param(
            {"nps": -1},
            {"q1": NPS_RANGE},
            id="nps-negative",
        ),
        pytest.param(
            {"rating": 0},
            {"q2": "question 2 (How was onboarding?) takes a whole number from 1 to 5"},
            id="rating-0",
        ),
        pytest.param(
            {"rating": "4.5"},
            {"q2": "question 2 (How was onboarding?) takes a whole number from 1 to 5"},
            id="rating-fraction",
        ),
        pytest.param(
            {"single": "Cheap"},
            {"q3": "question 3 (Main reason you bought?) takes one of Price, Support, Fit"},
            id="unknown-choice",
        ),
        pytest.param(
            {"nps": "", "multiple": ["Email"]},
            {
                "q1": "question 1 (How likely are you to recommend us?) needs an answer",
                "q4": "question 4 (Which do you use?) takes any of API, Reports, Forms",
            },
            id="missing-and-unknown",
        ),
    ],
)
def test_answers_out_of_range_are_refused_naming_the_question(cast, open_survey, overrides, errors):
    with pytest.raises(InvalidInput) as refused:
        answer(open_survey, a_customer(cast, 1), **overrides)

    assert refused.value.errors == errors
    assert SurveyResponse.objects.count() == 0


def test_the_public_page_takes_answers_and_shows_errors_beside_the_question(
    cast, open_survey, client
):
    contact = a_customer(cast, 1)
    token = survey_links.survey_link_token(survey=open_survey, contact=contact)
    assert "How likely are you to recommend us?" in client.get(f"/s/{token}/").content.decode()

    wrong = client.post(f"/s/{token}/", {"q1": "12", "q2": "3", "q3": "Fit", "q4": "API"})
    assert wrong.status_code == 422
    assert "takes a whole number from 0 to 10" in wrong.content.decode()

    right = client.post(
        f"/s/{token}/",
        {"q1": "10", "q2": "3", "q3": "Fit", "q4": ["API", "Forms"], "anonymous": "yes"},
    )
    assert right.status_code == 200 and "Thank you" in right.content.decode()
    assert SurveyResponse.objects.get().is_anonymous is True


def _answers(cast, survey, scores, start=1, audience=("customer",)):
    for offset, score in enumerate(scores):
        answer(
            survey, a_customer(cast, start + offset, audience=audience), nps=score, text="Named!"
        )


def test_marketing_sees_the_released_figures_and_the_free_text(cast, open_survey):
    _answers(cast, open_survey, [10, 9, 3, 10, 9])

    results = selectors.survey_results(user=cast.marketer, survey=open_survey)

    nps = results.questions[0]
    assert (results.is_aggregate_only, nps.suppressed, nps.answers) == (False, False, 5)
    assert (nps.nps.promoters, nps.nps.passives, nps.nps.detractors, nps.nps.score) == (4, 0, 1, 60)
    assert results.questions[4].texts == ["Named!"] * 5


@pytest.mark.parametrize("reader", ["sales_rep", "marketer"])
def test_nobody_sees_figures_of_a_question_with_fewer_than_five_answers(cast, open_survey, reader):
    # given four answers
    _answers(cast, open_survey, [10, 9, 3, 8])

    # when anyone reads the results
    results = selectors.survey_results(user=cast.by_role(reader), survey=open_survey)

    # then nothing is released: no count, no score, no distribution
    assert results.responses == 0
    for question in results.questions[:4]:
        assert (question.suppressed, question.answers, question.nps, question.distribution) == (
            True,
            None,
            None,
            [],
        )


def test_sales_sees_aggregates_of_five_or_more_but_never_free_text_and_no_small_groups(
    cast, open_survey
):
    # given four customers and one customer who is also a partner
    _answers(cast, open_survey, [10, 10, 9, 7], start=1)
    _answers(cast, open_survey, [0], start=5, audience=("customer", "partner"))

    results = selectors.survey_results(user=cast.sales_manager, survey=open_survey)

    nps = results.questions[0]
    assert (nps.suppressed, nps.answers, nps.nps.score) == (False, 5, 40)
    assert nps.distribution == [
        ("0", 1), ("1", 0), ("2", 0), ("3", 0), ("4", 0), ("5", 0), ("6", 0),
        ("7", 1), ("8", 0), ("9", 1), ("10", 2),
    ]  # fmt: skip
    # each answer counts in one audience only (customer first), so groups cannot be played
    # off against each other: the customer-and-partner answer is a customer's, for everyone
    assert [(g.label, g.answers, g.nps.score) for g in nps.by_audience] == [("Customer", 5, 40)]
    assert results.questions[2].distribution == [("Price", 5), ("Support", 0), ("Fit", 0)]
    assert results.questions[4].texts == []
    full = selectors.survey_results(user=cast.marketer, survey=open_survey).questions[0]
    assert [(g.label, g.nps.score) for g in full.by_audience] == [("Customer", 40)]


def test_the_sales_page_shows_only_aggregates(cast, open_survey, login):
    _answers(cast, open_survey, [10, 9, 3])
    early = login(cast.sales_rep).get(f"/surveys/{open_survey.pk}/").content.decode()
    _answers(cast, open_survey, [10, 9], start=4)

    page = login(cast.sales_rep).get(f"/surveys/{open_survey.pk}/").content.decode()

    assert "Fewer than 5 answers released: not shown" in early
    assert "NPS 60" in page and "Named!" not in page
    assert "Named!" in login(cast.marketer).get(f"/surveys/{open_survey.pk}/").content.decode()


def test_employees_see_no_surveys_and_sales_no_drafts(cast, survey, login):
    assert login(cast.employee).get("/surveys/").status_code == 403
    assert login(cast.sales_rep).get(f"/surveys/{survey.pk}/").status_code == 403
    with pytest.raises(PermissionDenied):
        selectors.survey_results(user=cast.employee, survey=survey)


def test_marketing_builds_a_survey_from_the_form(cast, login):
    response = login(cast.marketer).post(
        "/surveys/",
        {
            "title": "Onboarding check",
            "questions": "nps: Recommend us?\nsingle: Best part? | Docs | People\n?text: More?",
        },
    )

    assert response.status_code == 302
    survey = selectors.surveys_for_user(user=cast.marketer).get()
    assert [(q.kind, q.text, q.choices, q.is_required) for q in survey.questions.all()] == [
        ("nps", "Recommend us?", [], True),
        ("single", "Best part?", ["Docs", "People"], True),
        ("text", "More?", [], False),
    ]


def test_the_shared_page_shows_the_nps_trend_of_released_answers(cast, open_survey, login):
    # given six answers this month: five released, one waiting for four more
    _answers(cast, open_survey, [10, 10, 9, 7, 2, 0])

    trend = selectors.nps_trend(since=datetime.date(2000, 1, 1))

    assert [(g.answers, g.nps.score) for g in trend] == [(5, 40)]
    page = login(cast.sales_rep).get("/shared/").content.decode()
    assert "Customer NPS by month" in page and '<td class="num">40</td>' in page
