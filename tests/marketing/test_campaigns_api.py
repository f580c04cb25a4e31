"""The read-only campaign API: the campaigns one may see, and one campaign with its numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tandem.marketing import campaign_services
from tandem.sales import services as sales
from tests.factories import ContactFactory


@pytest.fixture
def busy_campaign(cast, campaign, submit):
    """Autumn launch: 200 spent, two leads from its tag, one sourced deal open, one won."""
    campaign_services.spend_add(
        actor=cast.marketer, campaign=campaign, spent_on=timezone.localdate(), amount="200"
    )
    submit(email="one@lead.test", title="Intern", company="", utm_campaign="autumn-launch")
    submit(email="two@lead.test", title="Intern", company="", utm_campaign="autumn-launch")
    rep = cast.sales_rep
    sales.deal_open(
        actor=rep,
        name="Open",
        owner=rep,
        contact=ContactFactory(),
        amount=5000,
        source_campaign=campaign,
    )
    won = sales.deal_open(
        actor=rep,
        name="Won",
        owner=rep,
        contact=ContactFactory(),
        amount=3000,
        source_campaign=campaign,
    )
    sales.deal_close_won(actor=rep, deal=won, amount=3000)
    return campaign


def test_the_list_gives_each_campaign_with_what_it_spent(api, busy_campaign, lead_form):
    response = api("sales_rep").get("/campaigns")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = {c["name"]: c for c in body["items"]}
    autumn = rows["Autumn launch"]
    assert (autumn["id"], autumn["utm_campaign"], autumn["objective"]) == (
        busy_campaign.pk,
        "autumn-launch",
        "lead_generation",
    )
    assert (Decimal(autumn["budget"]), Decimal(autumn["spent"])) == (Decimal(1000), Decimal(200))
    assert autumn["starts_on"] == "2026-09-01" and autumn["status"] in (
        "planned",
        "running",
        "ended",
    )
    assert Decimal(rows["Spring webinar"]["spent"]) == 0


def test_one_campaign_comes_with_its_numbers_and_sourced_pipeline(api, busy_campaign):
    response = api("marketer").get(f"/campaigns/{busy_campaign.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Autumn launch" and Decimal(body["spent"]) == 200
    numbers = body["numbers"]
    assert (numbers["reach"], numbers["leads"], numbers["mqls"]) == (2, 2, 0)
    assert Decimal(numbers["cost_per_lead"]) == Decimal("100.00")
    assert numbers["measure"] == {"label": "MQLs", "value": 0, "detail": "2 leads became 0 MQLs"}
    assert Decimal(numbers["sourced_pipeline"]) == 5000
    assert Decimal(numbers["sourced_revenue"]) == 3000


def test_the_list_reads_a_page_in_few_queries(api, cast, campaign, django_assert_num_queries):
    for n in range(6):
        campaign_services.campaign_create(actor=cast.marketer, name=f"Wave {n}", channel="email")
    client = api("marketer")

    with django_assert_num_queries(4):
        response = client.get("/campaigns", limit=5)

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 7  # the six waves and the fixture's campaign
    assert len(page["items"]) == 5


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("employee", 403), ("sales_rep", 200), ("leadership", 200)],
)
def test_campaigns_are_read_by_those_who_may_view_them(api, campaign, who, status):
    client = Client() if who == "anonymous" else api(who).client

    listed = client.get("/api/v1/campaigns")
    one = client.get(f"/api/v1/campaigns/{campaign.pk}")

    assert (listed.status_code, one.status_code) == (status, status)


def test_an_unknown_campaign_is_404(api, campaign):
    response = api("marketer").get(f"/campaigns/{campaign.pk + 1000}")

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "No such campaign"
