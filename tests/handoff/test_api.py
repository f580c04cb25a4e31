"""The hand-off pages' JSON API: service levels, feedback, scoring, predictive, routing."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tandem.handoff import services as handoff
from tandem.handoff.models import IcpRule, Lead, RoutingRule
from tests.api.conftest import fields_of

READS = [
    "/handoff/service-levels",
    "/handoff/feedback",
    "/handoff/scoring",
    "/handoff/predictive",
    "/handoff/routing-rules",
]


@pytest.mark.parametrize("path", READS)
def test_anonymous_callers_are_refused(db, path):
    response = Client().get(f"/api/v1{path}")

    assert response.status_code == 401


@pytest.mark.parametrize("path", READS)
def test_an_employee_without_hand_off_access_is_refused(api, path):
    assert api("employee").get(path).status_code == 403


@pytest.mark.parametrize("role", ["sales_rep", "marketer", "leadership"])
def test_both_teams_read_the_service_levels(cast, api, mql, role):
    Lead.objects.filter(pk=mql.pk).update(first_touch_due_at=timezone.now() - dt.timedelta(hours=2))

    response = api(role).get("/handoff/service-levels", period="month")

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "month"
    assert body["sales"]["handed_off"] == 1
    assert body["sales"]["waiting_lead_ids"] == [mql.pk]
    (breach,) = body["sales"]["breaches"]
    assert (breach["lead_id"], breach["is_open"]) == (mql.pk, True)
    assert breach["overdue_hours"] >= 2
    assert body["marketing"]["leads_delivered"] == 1


def test_an_unknown_period_is_named(api):
    response = api("marketer").get("/handoff/service-levels", period="decade")

    assert response.status_code == 422
    assert fields_of(response) == ["period"]


def test_marketing_sees_rejection_reasons_by_campaign(cast, api, mql):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="no_budget")

    response = api("marketer").get("/handoff/feedback", by="campaign", period="month")

    assert response.status_code == 200
    assert response.json() == [
        {
            "group": "Spring webinar",
            "decided": 1,
            "rejected": 1,
            "rejection_rate": 1.0,
            "reasons": {"No budget (recycle)": 1},
        }
    ]
    bad = api("marketer").get("/handoff/feedback", by="weather")
    assert (bad.status_code, fields_of(bad)) == (422, ["by"])


def test_the_scoring_profile_shows_the_default_rules_until_some_are_saved(api):
    body = api("sales_rep").get("/handoff/scoring").json()

    assert body["mql_threshold"] == 50
    assert body["rules_are_defaults"] is True
    assert [r["label"] for r in body["rules"]][:2] == ["senior title", "manager title"]
    assert {"kind": "form_submission", "points": 30, "daily_cap": 40} in body["weights"]
    assert body["rule_types"]["field_in"] == [
        "account.industry", "account.size_band", "account.region",
    ]  # fmt: skip


def test_a_marketing_manager_adds_and_deletes_an_icp_rule(api):
    rule = {"kind": "field_in", "field": "account.industry", "values": ["Food"],
            "points": 12, "label": "food makers"}  # fmt: skip

    created = api("marketing_manager").post("/handoff/scoring/rules", rule)

    assert created.status_code == 201
    saved = IcpRule.objects.get()
    assert (saved.field, saved.values, saved.points) == ("account.industry", ["Food"], 12)
    assert api("marketer").get("/handoff/scoring").json()["rules"] == [{"id": saved.pk, **rule}]
    assert api("marketing_manager").delete(f"/handoff/scoring/rules/{saved.pk}").status_code == 204
    assert not IcpRule.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"field": "account.revenue"}, "field", id="unknown-field"),
        pytest.param({"kind": "guess"}, "kind", id="unknown-kind"),
        pytest.param({"points": "many"}, "points", id="points-not-a-number"),
        pytest.param({"label": ""}, "label", id="no-label"),
    ],
)
def test_a_bad_icp_rule_is_refused_naming_the_field(api, change, field):
    rule = {"kind": "field_in", "field": "account.industry", "values": ["Food"],
            "points": 12, "label": "food", **change}  # fmt: skip

    response = api("marketing_manager").post("/handoff/scoring/rules", rule)

    assert response.status_code == 422
    assert fields_of(response) == [field]
    assert not IcpRule.objects.exists()


@pytest.mark.parametrize("role", ["marketer", "sales_rep"])
def test_only_managers_change_scoring_and_routing(cast, api, role):
    rule = {"kind": "profile_known", "field": "account.profile", "points": 5, "label": "x"}
    routing = {"name": "EMEA", "team_id": cast.sales_rep.team_id,
               "field": "account.region", "values": ["EMEA"]}  # fmt: skip

    assert api(role).post("/handoff/scoring/rules", rule).status_code == 403
    assert api(role).post("/handoff/routing-rules", routing).status_code == 403
    assert not IcpRule.objects.exists() and not RoutingRule.objects.exists()


def test_a_sales_manager_adds_a_territory_rule(cast, api):
    body = {"name": "EMEA", "team_id": cast.sales_rep.team_id,
            "field": "account.region", "values": ["EMEA"]}  # fmt: skip

    created = api("sales_manager").post("/handoff/routing-rules", body)

    assert created.status_code == 201
    listed = api("sales_rep").get("/handoff/routing-rules").json()
    assert [(r["name"], r["field"], r["values"], r["team_id"]) for r in listed] == [
        ("EMEA", "account.region", ["EMEA"], cast.sales_rep.team_id)
    ]
    rule_id = created.json()["id"]
    assert api("sales_rep").delete(f"/handoff/routing-rules/{rule_id}").status_code == 403
    assert api("sales_manager").delete(f"/handoff/routing-rules/{rule_id}").status_code == 204
    assert api("sales_rep").get("/handoff/routing-rules").json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"team_id": 999_999}, "team_id", id="unknown-team"),
        pytest.param({"field": "account.mood"}, "field", id="unknown-field"),
        pytest.param({"values": []}, "values", id="no-values"),
        pytest.param({"segment_id": 999_999}, "segment_id", id="unknown-segment"),
    ],
)
def test_a_bad_routing_rule_is_refused_naming_the_field(cast, api, change, field):
    body = {"name": "EMEA", "team_id": cast.sales_rep.team_id,
            "field": "account.region", "values": ["EMEA"], **change}  # fmt: skip

    response = api("sales_manager").post("/handoff/routing-rules", body)

    assert (response.status_code, fields_of(response)) == (422, [field])
    assert not RoutingRule.objects.exists()


def test_the_predictive_evaluation_says_when_there_is_no_model(api):
    body = api("marketer").get("/handoff/predictive").json()

    assert body["is_ready"] is False
    assert "No predictive model" in body["message"]


def test_the_predictive_evaluation_of_a_trained_model(api):
    from tandem.handoff.models import PredictiveModel

    PredictiveModel.objects.create(
        is_ready=True, message="ok", training_rows=900, positives=80,
        evaluation={"auc": 0.81, "lift_over_rule": 1.4},
    )  # fmt: skip

    body = api("sales_manager").get("/handoff/predictive").json()

    assert (body["is_ready"], body["training_rows"], body["evaluation"]["auc"]) == (True, 900, 0.81)
