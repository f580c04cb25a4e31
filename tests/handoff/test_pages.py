"""The hand-off pages both teams see: who may open them, what they show, what they cost."""

import pytest
from django.urls import reverse

from tandem.handoff import services as handoff
from tandem.handoff.models import Lead

PAGES = ["handoff:sla", "handoff:lifecycle", "handoff:feedback", "handoff:setup"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, page):
    response = client.get(reverse(page))

    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_employees_outside_both_teams_may_not_see_them(client, cast, page):
    client.force_login(cast.employee)

    assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "leadership"])
@pytest.mark.parametrize("page", PAGES)
def test_both_teams_see_the_same_pages(client, cast, submit, role, page):
    submit()
    client.force_login(cast.by_role(role))

    assert client.get(reverse(page)).status_code == 200


def test_marketing_sees_why_sales_rejected_by_campaign(client, cast, submit):
    submit()
    submit(email="bo@beta.test", company="Beta")
    first, second = Lead.objects.order_by("id")
    handoff.lead_reject(actor=cast.sales_rep, lead=first, reason="no_budget")
    handoff.lead_accept(actor=cast.sales_rep, lead=second)
    client.force_login(cast.marketer)

    page = client.get(reverse("handoff:feedback"), {"by": "campaign"}).content.decode()

    assert "Spring webinar" in page and "No budget (recycle)" in page
    assert "50%" in page


def test_the_feedback_page_costs_a_fixed_number_of_queries(
    client, cast, submit, django_assert_num_queries
):
    for i in range(12):
        submit(email=f"p{i}@firm{i}.test", company=f"Firm {i}")
    for lead in Lead.objects.all():
        handoff.lead_reject(actor=cast.sales_rep, lead=lead, reason="bad_fit")
    client.force_login(cast.marketer)

    with django_assert_num_queries(5):
        feedback = client.get(reverse("handoff:feedback"), {"by": "segment"})
    with django_assert_num_queries(11):
        sla = client.get(reverse("handoff:sla"))

    assert feedback.status_code == 200 and sla.status_code == 200
    assert "Bad fit" in feedback.content.decode()


def test_the_lead_page_explains_the_score_and_the_missing_model(client, cast, mql):
    client.force_login(cast.sales_rep)

    page = client.get(reverse("handoff:lead", args=[mql.pk])).content.decode()

    assert "senior title (VP Operations)" in page
    assert "No predictive model has been trained yet" in page


def test_another_teams_rep_may_not_open_the_lead(client, cast, mql):
    client.force_login(cast.other_team_rep)

    assert client.get(reverse("handoff:lead", args=[mql.pk])).status_code == 403


def test_a_rule_with_an_unknown_field_is_refused_on_the_page(client, cast):
    client.force_login(cast.marketing_manager)

    response = client.post(
        reverse("handoff:icp_rule_add"),
        {"label": "Big", "kind": "field_in", "field": "account.revenue", "values": "x",
         "points": "5"},
        follow=True,
    )  # fmt: skip

    assert "unknown field &#x27;account.revenue&#x27;" in response.content.decode()
