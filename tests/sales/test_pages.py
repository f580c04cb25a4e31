"""Every sales page answers its readers and refuses the rest."""

import pytest

from tandem.sales import services as sales

PAGES = [
    "/sales/",
    "/sales/board/",
    "/sales/deals/",
    "/sales/day/",
    "/sales/forecast/",
    "/sales/targets/",
    "/sales/ramp/",
    "/sales/reviews/",
    "/sales/pipelines/",
    "/sales/research/",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_sales_manager_opens_every_page(cast, deal, client_for, url):
    response = client_for(cast.sales_manager).get(url)

    assert response.status_code == 200


def test_the_deal_page_shows_the_workspace(cast, deal, client_for):
    response = client_for(cast.sales_rep).get(f"/sales/deals/{deal.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Buying committee", "Discovery questions", "Log an activity", "Timeline"):
        assert heading in html
    assert "this deal has no next step with a date" in html


def test_pipeline_page_lists_stages(cast, deal, client_for):
    pipeline = sales.pipeline_default()

    response = client_for(cast.sales_manager).get(f"/sales/pipelines/{pipeline.pk}/")

    assert response.status_code == 200
    assert "Add a question to Discovery" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("employee", "/sales/board/", 403),
        ("employee", "/sales/reviews/", 403),
        ("marketer", "/sales/day/", 403),
        ("marketer", "/sales/reviews/", 200),
        ("marketer", "/sales/research/", 200),
        ("employee", "/sales/research/", 403),
    ],
)
def test_who_may_open_what(cast, client_for, role, url, status):
    assert client_for(cast.by_role(role)).get(url).status_code == status


def test_anonymous_is_sent_to_sign_in(db, client):
    response = client.get("/sales/board/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]
