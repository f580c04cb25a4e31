"""The sales API: the deal list shares the page's filters; new records have their doors."""

import datetime as dt

from django.utils import timezone

from tandem.sales import playbook_services as playbook
from tandem.sales import review_services as reviews
from tandem.sales import services as sales
from tests.api.conftest import fields_of


def test_the_deal_list_filters_like_the_page(cast, api):
    today = timezone.localdate()
    late = sales.deal_open(actor=cast.sales_rep, name="Late", owner=cast.sales_rep)
    sales.deal_update(
        actor=cast.sales_rep,
        deal=late,
        next_step="Call",
        next_step_due_on=today - dt.timedelta(days=3),
    )
    fine = sales.deal_open(actor=cast.sales_rep, name="Fine", owner=cast.sales_rep)
    sales.deal_update(
        actor=cast.sales_rep,
        deal=fine,
        next_step="Demo",
        next_step_due_on=today + dt.timedelta(days=3),
        forecast_category="commit",
    )

    flagged = api("sales_rep").get("/sales/deals", flagged="true").json()
    commit = api("sales_rep").get("/sales/deals", forecast_category="commit").json()

    assert [(d["name"], d["is_flagged"]) for d in flagged["items"]] == [("Late", True)]
    assert [d["name"] for d in commit["items"]] == ["Fine"]


def test_a_bad_filter_names_the_field(cast, api):
    response = api("sales_rep").get("/sales/deals", forecast_category="maybe")

    assert response.status_code == 422
    assert fields_of(response) == ["forecast_category"]


def test_the_deal_list_takes_the_same_queries_at_any_size(cast, api, django_assert_num_queries):
    client = api("sales_manager")
    client.get("/sales/deals", limit=1)  # the token's first use also records when it was used
    shown = 0
    for n in (2, 40):
        for i in range(n):
            sales.deal_open(actor=cast.sales_rep, name=f"D{n}-{i}", owner=cast.sales_rep)
        shown += n
        with django_assert_num_queries(3):
            response = client.get("/sales/deals", limit=100)
        assert response.status_code == 200
        page = response.json()
        assert page["count"] == shown
        assert f"D{n}-{n - 1}" in {d["name"] for d in page["items"]}


def test_deal_fields_committee_answers_and_activities_through_the_api(cast, api, deal, buyer):
    question = playbook.playbook_question_create(
        actor=cast.sales_manager,
        stage=deal.stage,
        text="Main pain?",
        is_key=True,
        choices="Cost\nSpeed",
    )
    rep = api("sales_rep")

    patched = rep.patch(
        f"/sales/deals/{deal.pk}", {"next_step": "Demo", "next_step_due_on": "2030-01-01"}
    )
    member = rep.post(
        f"/sales/deals/{deal.pk}/committee",
        {"contact_id": buyer.pk, "role": "champion", "pain_points": "Slow"},
    )
    answer = rep._send("put", f"/sales/deals/{deal.pk}/answers/{question.pk}", {"choice": "Cost"})
    activity = rep.post(
        "/sales/activities",
        {"kind": "call", "subject": "Intro", "deal_id": deal.pk, "is_done": True},
    )

    assert (patched.status_code, patched.json()["next_step"]) == (200, "Demo")
    assert (member.status_code, member.json()["role"]) == (201, "champion")
    assert (answer.status_code, answer.json()["choice"]) == (200, "Cost")
    assert (activity.status_code, activity.json()["outcome"]) == (201, "done")
    assert rep.get(f"/sales/deals/{deal.pk}/answers").json()[0]["choice"] == "Cost"


def test_managers_decide_a_fit_review_through_the_api(cast, api, misfit):
    deal = sales.deal_open(actor=cast.sales_rep, name="Custom thing", owner=cast.sales_rep)
    review = reviews.fit_review_sync(deal=deal)

    api("sales_manager").post(
        f"/sales/fit-reviews/{review.pk}/decisions", {"decision": "approve", "rationale": "ok"}
    )
    response = api("marketing_manager").post(
        f"/sales/fit-reviews/{review.pk}/decisions", {"decision": "decline", "rationale": "no"}
    )
    refused = api("marketer").post(
        f"/sales/fit-reviews/{review.pk}/decisions", {"decision": "approve", "rationale": "x"}
    )

    assert (response.status_code, response.json()["status"]) == (201, "declined")
    assert refused.status_code == 403
    assert api("marketer").get("/sales/fit-reviews", status="declined").json()[0]["id"] == (
        review.pk
    )


def test_quotas_and_the_forecast_through_the_api(cast, api):
    month = timezone.localdate().replace(day=1).isoformat()

    quota = api("sales_manager").post(
        "/sales/quotas",
        {
            "user_id": cast.sales_rep.pk,
            "amount": "5000",
            "period_kind": "month",
            "period_start": month,
        },
    )
    call = api("sales_manager").post(
        "/sales/forecast/adjustments",
        {"period_kind": "month", "period_start": month, "amount": "800", "reason": "Gut"},
    )
    bad = api("sales_manager").post(
        "/sales/forecast/adjustments",
        {"period_kind": "month", "period_start": month, "amount": "800", "reason": ""},
    )

    assert quota.status_code == 201
    assert (call.status_code, call.json()["called"]) == (201, "800.00")
    assert (bad.status_code, fields_of(bad)) == (422, ["reason"])
    assert api("sales_rep").get("/sales/forecast", kind="month").json()["called"] == "800.00"
