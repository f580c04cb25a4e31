"""The API of working together: comments with mentions, the inbox, and survey figures."""

from __future__ import annotations

import pytest

from tandem.collaboration import survey_services as surveys
from tandem.people import services as people
from tandem.sales import services as sales
from tests.api.conftest import fields_of


@pytest.fixture
def deal(cast):
    ann = people.contact_create(actor=cast.marketer, email="ann@acme.test", first_name="Ann")
    return sales.deal_open(
        actor=cast.sales_rep, name="Acme rollout", owner=cast.sales_rep, contact=ann
    )


def test_a_rep_comments_on_a_deal_and_the_mentioned_manager_is_notified(cast, api, deal):
    manager = cast.sales_manager.username

    created = api("sales_rep").post(
        f"/comments/deal/{deal.pk}", {"body": f"@{manager} price check please"}
    )

    assert created.status_code == 201
    assert created.json()["mentioned"] == [manager]
    listed = api("sales_rep").get(f"/comments/deal/{deal.pk}").json()
    assert [c["body"] for c in listed] == [f"@{manager} price check please"]
    inbox = api("sales_manager").get("/notifications").json()
    assert [n["kind"] for n in inbox] == ["mention"]


def test_comments_on_a_record_the_token_cannot_see_are_refused(cast, api, deal):
    assert api("other_team_rep").get(f"/comments/deal/{deal.pk}").status_code == 403
    assert (
        api("other_team_rep").post(f"/comments/deal/{deal.pk}", {"body": "hi"}).status_code == 403
    )


def test_an_empty_comment_names_the_field(cast, api, deal):
    response = api("sales_rep").post(f"/comments/deal/{deal.pk}", {"body": "  "})

    assert response.status_code == 422 and fields_of(response) == ["body"]


def test_sales_gets_survey_figures_without_free_text_or_small_groups(cast, api):
    survey = surveys.survey_create(
        actor=cast.marketer,
        title="Pulse",
        questions=[{"kind": "nps", "text": "Recommend?"}, {"kind": "text", "text": "Why?"}],
    )
    surveys.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    for n, score in enumerate([10, 9, 9, 7, 2, 10]):
        contact = people.contact_create(
            actor=cast.marketer, email=f"c{n}@acme.test", audience_types=["customer"]
        )
        surveys.survey_answer(
            survey=survey, contact=contact, answers={"q1": score, "q2": f"Named {n}"}
        )

    sales_view = api("sales_rep").get(f"/surveys/{survey.pk}/results").json()
    marketing_view = api("marketer").get(f"/surveys/{survey.pk}/results").json()

    assert sales_view["is_aggregate_only"] is True
    # the first five answers are released; the sixth waits for four more
    assert (sales_view["responses"], sales_view["questions"][0]["answers"]) == (5, 5)
    assert sales_view["questions"][0]["nps"]["score"] == 40
    assert sales_view["questions"][1]["texts"] == []
    assert len(marketing_view["questions"][1]["texts"]) == 6
    assert api("employee").get(f"/surveys/{survey.pk}/results").status_code == 403
