"""The analytics API: the pages' typed inputs, the one error format, the same permissions."""

from __future__ import annotations

import pytest

from tandem.reports.models import ReportRun
from tests.api.conftest import fields_of


def test_attribution_answers_every_model_for_won_revenue(story, api):
    response = api("marketer").post(
        "/analytics/attribution",
        {"conversion": "revenue", "group_by": "channel", "models": ["first_touch", "last_touch"]},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["run"]["status"] == "done"
    result = body["result"]
    assert (result["journeys"], result["conversions"], result["value"]) == (2, 1, 1400.0)
    credits = {m["model"]: {c["key"]: c["value"] for c in m["credits"]} for m in result["models"]}
    assert credits["first_touch"] == {"organic_search": 1400.0, "webinar": 0.0, "search": 0.0}
    assert credits["last_touch"] == {"webinar": 1400.0, "organic_search": 0.0, "search": 0.0}


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        pytest.param(
            "/analytics/attribution",
            {"conversion": "signup", "lookback_days": -1},
            ["conversion", "lookback_days"],
            id="attribution",
        ),
        pytest.param("/analytics/funnel", {"period": "fortnight"}, ["period"], id="funnel"),
        pytest.param(
            "/analytics/profitability", {"group_by": "planet"}, ["group_by"], id="profitability"
        ),
        pytest.param("/analytics/clv", {"horizon_periods": 0}, ["horizon_periods"], id="clv"),
        pytest.param("/analytics/forecast", {"interval": 2}, ["interval"], id="forecast"),
        pytest.param("/analytics/attribution", {"colour": "red"}, ["colour"], id="unknown-field"),
    ],
)
def test_bad_input_names_the_fields_and_runs_nothing(cast, api, path, body, fields):
    response = api("marketer").post(path, body)

    assert response.status_code == 422
    assert fields_of(response) == fields
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("role", "path", "body", "status"),
    [
        pytest.param("sales_rep", "/analytics/funnel", {}, 200, id="rep-funnel"),
        pytest.param("sales_rep", "/analytics/attribution", {}, 200, id="rep-channel-totals"),
        pytest.param(
            "sales_rep", "/analytics/attribution", {"group_by": "campaign"}, 403, id="rep-campaigns"
        ),
        pytest.param("sales_manager", "/analytics/profitability", {}, 403, id="manager-profit"),
        pytest.param("sales_rep", "/analytics/clv", {}, 403, id="rep-clv"),
        pytest.param("employee", "/analytics/funnel", {}, 403, id="employee-funnel"),
        pytest.param("leadership", "/analytics/profitability", {}, 200, id="leadership-profit"),
    ],
)
def test_who_may_run_what(story, api, role, path, body, status):
    response = api(role).post(path, body)

    assert response.status_code == status
    if status == 403:
        assert response.json()["errors"][0]["message"].startswith("Your role may not view")


def test_without_a_token_nothing_runs(db, client):
    response = client.post("/api/v1/analytics/funnel", "{}", content_type="application/json")

    assert response.status_code == 401


def test_a_heavy_run_answers_202_and_is_read_later(story, api, settings):
    settings.TANDEM_REPORTS_INLINE_ROWS = 1

    started = api("sales_rep").post("/analytics/funnel", {"period": "quarter"})

    assert started.status_code == 202
    run = started.json()["run"]
    assert (run["status"], run["progress"], started.json()["result"]) == ("queued", 0, None)
    waiting = api("sales_rep").get(f"/analytics/runs/{run['id']}")
    assert waiting.status_code == 202
    assert api("employee").get(f"/analytics/runs/{run['id']}").status_code == 403
    assert api("sales_rep").get("/analytics/runs/999999").status_code == 404


def test_funnel_and_profitability_answer_in_few_queries(
    story,
    api,
    django_assert_num_queries,
):
    client = api("marketer")
    with django_assert_num_queries(8):
        funnel = client.post("/analytics/funnel", {"period": "12m", "cohort_by": "source"})
    with django_assert_num_queries(9):
        profit = client.post("/analytics/profitability", {"period": "12m", "with_clv": False})

    assert funnel.status_code == 200
    assert funnel.json()["result"]["total"]["entered"] == 2
    assert profit.status_code == 200
    assert profit.json()["result"]["total"]["revenue"] == 1400.0
