"""Report pages: each opens for the roles the matrix names and is refused to the others."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.reports.models import ReportRun

SHARED_PAGES = ["/reports/attribution/", "/reports/funnel/", "/reports/forecast/"]
MARKETING_PAGES = [
    "/reports/attribution/?group_by=campaign",
    "/reports/lifetime/",
    "/reports/profitability/",
]
EVERYONE_BUT_EMPLOYEES = [
    "marketer",
    "marketing_manager",
    "sales_rep",
    "sales_manager",
    "leadership",
    "admin",
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", SHARED_PAGES)
@pytest.mark.parametrize("role", EVERYONE_BUT_EMPLOYEES)
def test_shared_reports_open_for_both_teams_and_leadership(story, cast, role, path):
    response = client_for(cast.by_role(role)).get(path)

    assert response.status_code == 200
    assert b"<svg" in response.content  # every shared report draws its chart on this story


@pytest.mark.parametrize("path", MARKETING_PAGES)
@pytest.mark.parametrize("role", ["marketer", "marketing_manager", "leadership", "admin"])
def test_marketing_reports_open_for_marketing_and_leadership(story, cast, role, path):
    response = client_for(cast.by_role(role)).get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("path", MARKETING_PAGES + ["/reports/media-mix/"])
@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "employee"])
def test_marketing_reports_are_refused_to_sales_and_employees(story, cast, role, path):
    response = client_for(cast.by_role(role)).get(path)

    assert response.status_code == 403
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("path", ["/reports/"] + SHARED_PAGES)
def test_employees_see_no_reports(cast, path):
    assert client_for(cast.employee).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/reports/", "/reports/funnel/"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_index_lists_what_each_role_may_open(cast):
    marketer = client_for(cast.marketer).get("/reports/").content.decode()
    rep = client_for(cast.sales_rep).get("/reports/").content.decode()

    for title in ("Attribution", "Funnel and velocity", "Pipeline forecast"):
        assert title in marketer and title in rep
    for title in ("Lifetime value", "Profitability", "Media mix"):
        assert title in marketer and title not in rep


def test_sales_chooses_only_channel_credit(story, cast):
    page = client_for(cast.sales_rep).get("/reports/attribution/").content.decode()

    assert 'value="channel"' in page
    assert 'value="campaign"' not in page and 'value="content"' not in page


def test_attribution_page_shows_every_model_side_by_side(story, cast):
    # given Ann's won revenue (1,400) after a blog visit and the webinar form
    page = client_for(cast.marketer).get("/reports/attribution/").content.decode()

    # then each model is a column; first touch gives the blog visit it all, last touch the form
    for model in ("First touch", "Last touch", "Linear", "W-shaped", "Markov", "Shapley"):
        assert f'<th class="num">{model}</th>' in page
    assert 'data-metric="value">1,400<' in page
    assert 'id="attribution-chart"' in page


def test_a_bad_choice_is_named_and_the_default_used(story, cast):
    response = client_for(cast.marketer).get("/reports/attribution/?group_by=planet")

    assert response.status_code == 200
    assert response.context["errors"]["group_by"].startswith("Input should be")
    assert response.context["params"].group_by == "channel"


def test_a_second_visit_reads_the_cached_run(story, cast, django_assert_num_queries):
    client = client_for(cast.marketer)
    client.get("/reports/funnel/?period=12m")

    with django_assert_num_queries(4):
        response = client.get("/reports/funnel/?period=12m")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Funnel and velocity" in page and "Became customers" in page
    assert "Working on it" not in page
    assert ReportRun.objects.filter(analysis="funnel").count() == 1


def test_run_again_needs_the_right_to_start_a_run(story, cast):
    client_for(cast.marketer).get("/reports/funnel/")

    refused = client_for(cast.leadership).post("/reports/funnel/")
    again = client_for(cast.marketer).post("/reports/funnel/")

    assert refused.status_code == 403
    assert again.status_code == 302
    assert ReportRun.objects.filter(analysis="funnel").count() == 2


def test_lifetime_page_says_why_the_models_are_missing_on_little_data(story, cast):
    page = client_for(cast.marketer).get("/reports/lifetime/").content.decode()

    assert "could not be fitted" in page
    assert "Spring webinar" in page  # the marathon view still shows what customers did


def test_a_heavy_run_shows_its_progress_and_the_page_polls(story, cast, settings):
    settings.TANDEM_REPORTS_INLINE_ROWS = 1  # the story has more touches: run in the worker
    client = client_for(cast.marketer)

    page = client.get("/reports/funnel/").content.decode()

    run = ReportRun.objects.get()
    assert run.status == ReportRun.Status.QUEUED
    assert f'hx-get="/reports/runs/{run.pk}/"' in page
    poll = client.get(f"/reports/runs/{run.pk}/", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and b"Working on it" in poll.content
    assert client_for(cast.employee).get(f"/reports/runs/{run.pk}/").status_code == 403
