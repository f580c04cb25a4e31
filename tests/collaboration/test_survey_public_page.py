"""A survey's public page: anyone with the address answers once per browser, anonymously."""

from __future__ import annotations

import pytest

from tandem.collaboration import survey_services as services
from tandem.collaboration.models import SurveyResponse
from tandem.errors import InvalidInput

QUESTIONS = [{"kind": "nps", "text": "How likely are you to recommend us?"}]


@pytest.fixture
def public_survey(cast):
    survey = services.survey_create(
        actor=cast.marketer, title="Trade fair 2026", questions=QUESTIONS, allows_anonymous=True
    )
    return services.survey_publish(actor=cast.marketer, survey=survey)


def test_publishing_opens_the_survey_with_an_unguessable_readable_address(public_survey):
    assert public_survey.status == "open"
    assert public_survey.public_slug.startswith("trade-fair-2026-")
    assert len(public_survey.public_slug) >= len("trade-fair-2026-") + 6


def test_only_a_survey_that_allows_anonymous_answers_gets_a_public_page(cast):
    named = services.survey_create(actor=cast.marketer, title="Named", questions=QUESTIONS)

    with pytest.raises(InvalidInput) as refused:
        services.survey_publish(actor=cast.marketer, survey=named)

    assert "allows_anonymous" in refused.value.errors


def test_sales_cannot_publish(cast, public_survey):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.survey_publish(actor=cast.sales_manager, survey=public_survey)


def test_a_visitor_answers_once_and_the_answer_is_anonymous(public_survey, client):
    url = f"/s/p/{public_survey.public_slug}/"

    first = client.post(url, {"q1": "9"})
    again = client.post(url, {"q1": "3"})

    assert first.status_code == 200 and "Thank you" in first.content.decode()
    assert again.status_code == 409 and "already answered" in again.content.decode()
    response = SurveyResponse.objects.get(survey=public_survey)
    assert (response.contact, response.is_anonymous, response.answers.get().number) == (
        None,
        True,
        9,
    )


def test_another_browser_may_answer_too(public_survey, client):
    from django.test import Client

    url = f"/s/p/{public_survey.public_slug}/"
    client.post(url, {"q1": "9"})

    Client().post(url, {"q1": "6"})

    assert SurveyResponse.objects.filter(survey=public_survey).count() == 2


def test_out_of_range_answers_are_refused_on_the_public_page(public_survey, client):
    page = client.post(f"/s/p/{public_survey.public_slug}/", {"q1": "11"})

    assert page.status_code == 422
    assert "takes a whole number from 0 to 10" in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_an_unknown_public_address_is_not_found(db, client):
    assert client.get("/s/p/no-such-survey-abc/").status_code == 404


def test_the_public_page_is_rate_limited_per_address(public_survey, monkeypatch):
    from django.test import Client

    from tandem.collaboration import survey_views

    monkeypatch.setattr(survey_views, "PUBLIC_ANSWERS_PER_HOUR", 2)
    url = f"/s/p/{public_survey.public_slug}/"
    codes = [Client().post(url, {"q1": "9"}).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert SurveyResponse.objects.filter(survey=public_survey).count() == 2


def test_a_closed_survey_takes_no_more_public_answers(cast, public_survey, client):
    services.survey_close(actor=cast.marketer, survey=public_survey)

    page = client.post(f"/s/p/{public_survey.public_slug}/", {"q1": "9"})

    assert "no longer taking answers" in page.content.decode()
    assert not SurveyResponse.objects.exists()
