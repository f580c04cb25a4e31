"""The feeders hand the analytics exactly the tables the CRM's history implies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tandem.analytics.profitability import spend_from_budgets
from tandem.marketing.models import Campaign, SpendLine
from tandem.people.models import LifecycleMove, Touch
from tandem.reports import feeders
from tandem.reports.analyses import spend_note
from tests.factories import CampaignFactory
from tests.reports.conftest import Story, at


def rows(expr, order: list[str]) -> list[dict]:
    """The fed rows, timestamps as naive UTC (PostgreSQL's come back aware)."""
    return [
        {k: at(v) if isinstance(v, dt.datetime) and v.tzinfo else v for k, v in row.items()}
        for row in expr.order_by(order).to_pyarrow().to_pylist()
    ]


def touch_times(story: Story) -> tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]:
    """Ann's blog visit, her webinar form, her return through search; Bo's form."""
    blog = Touch.objects.get(contact=story.ann, kind="page_visit", channel="organic_search")
    form = Touch.objects.get(contact=story.ann, kind="form_submission")
    ad = Touch.objects.get(contact=story.ann, channel="search")
    bo = Touch.objects.get(contact=story.bo)
    return at(blog.occurred_at), at(form.occurred_at), at(ad.occurred_at), at(bo.occurred_at)


@pytest.mark.parametrize(
    ("conversion", "bo_converted", "ann_value"),
    [
        pytest.param("lead", True, 0.0, id="lead-created"),
        pytest.param("deal", False, 0.0, id="deal-created"),
        pytest.param("revenue", False, 1400.0, id="won-revenue"),
    ],
)
def test_journeys_are_each_contacts_touches_up_to_the_conversion(
    story, conversion, bo_converted, ann_value
):
    # given Ann: a blog visit, the webinar form (→ lead → deal → won 1,000), a search ad after
    # the win (→ a second win of 400); Bo: a form through the search campaign, not accepted yet
    blog, form, _ad, bo = touch_times(story)

    # when the journeys are fed for the conversion
    table = feeders.journeys(feeders.database(), conversion=conversion)

    # then Ann's journey stops at her conversion (the ad came after) and her form touch made
    # the lead (and the deal); Bo's form made his lead
    ann, bo_id = story.ann.pk, story.bo.pk
    assert rows(table, ["journey_id", "touched_at"]) == [
        {
            "journey_id": ann,
            "touched_at": blog,
            "channel": "organic_search",
            "touch_kind": "touch",
            "converted": True,
            "value": ann_value,
        },
        {
            "journey_id": ann,
            "touched_at": form,
            "channel": "webinar",
            "touch_kind": "lead_created",
            "converted": True,
            "value": ann_value,
        },
        {
            "journey_id": bo_id,
            "touched_at": bo,
            "channel": "search",
            "touch_kind": "lead_created",
            "converted": bo_converted,
            "value": 0.0,
        },
    ]


@pytest.mark.parametrize(
    ("group_by", "keys"),
    [
        pytest.param("campaign", ["(no campaign)", "Spring webinar"], id="campaign"),
        pytest.param("content", ["blog-oee", "form_submission"], id="content"),
    ],
)
def test_journeys_put_the_chosen_key_in_the_channel_column(story, group_by, keys):
    table = feeders.journeys(feeders.database(), conversion="revenue", group_by=group_by)

    ann_rows = [r for r in rows(table, ["touched_at"]) if r["journey_id"] == story.ann.pk]
    assert [r["channel"] for r in ann_rows] == keys


def test_purchases_are_won_deals_by_account(story):
    story.first_deal.refresh_from_db()
    story.second_deal.refresh_from_db()
    customer = f"a{story.ann.account_id}"

    table = feeders.purchases(feeders.database())

    assert rows(table, ["purchased_at"]) == [
        {"customer_id": customer, "purchased_at": at(story.first_deal.closed_at), "amount": 1000.0},
        {"customer_id": customer, "purchased_at": at(story.second_deal.closed_at), "amount": 400.0},
    ]


def test_acquisitions_name_the_first_wins_campaign_channel_and_segment(story):
    story.first_deal.refresh_from_db()
    account = story.ann.account
    account.industry = "Food & Beverage"
    account.save(update_fields=["industry"])

    table = feeders.acquisitions(feeders.database(), segment_by="industry")

    assert rows(table, ["customer_id"]) == [
        {
            "customer_id": f"a{account.pk}",
            "acquired_at": at(story.first_deal.closed_at),
            "campaign": "Spring webinar",
            "channel": "webinar",
            "segment": "Food & Beverage",
        }
    ]


def test_lifecycle_moves_carry_the_first_touch_channel_as_source(story):
    table = feeders.lifecycle_moves(feeders.database())

    fed = rows(table, ["moved_at"])
    expected = [
        {
            "contact_id": move.contact_id,
            "moved_at": at(move.moved_at),
            "to_stage": move.to_stage,
            "source": "organic_search" if move.contact_id == story.ann.pk else "search",
            "segment": "(none)",
        }
        for move in LifecycleMove.objects.order_by("moved_at")
    ]
    assert fed == expected
    assert [r["to_stage"] for r in fed if r["contact_id"] == story.ann.pk] == [
        "lead",
        "mql",
        "sal",
        "opportunity",
        "customer",
        "opportunity",
        "customer",
    ]


def test_pipeline_deals_have_their_outcome(story):
    for deal in (story.first_deal, story.second_deal, story.open_deal):
        deal.refresh_from_db()

    table = feeders.pipeline_deals(feeders.database())

    assert [
        (r["deal_id"], r["outcome"], r["amount"], r["closed_at"]) for r in rows(table, ["deal_id"])
    ] == [
        (story.first_deal.pk, "won", 1000.0, at(story.first_deal.closed_at)),
        (story.second_deal.pk, "won", 400.0, at(story.second_deal.closed_at)),
        (story.open_deal.pk, "open", 250.0, None),
    ]


def test_spend_lines_spread_each_campaigns_budget(story):
    story.webinar.budget, story.webinar.starts_on = 300, dt.date(2026, 3, 1)
    story.webinar.ends_on = dt.date(2026, 3, 3)
    story.webinar.save()

    lines = feeders.spend_lines()

    webinar_campaigns = [
        {
            "campaign": "Spring webinar",
            "channel": "webinar",
            "budget": 300,
            "starts_on": dt.date(2026, 3, 1),
            "ends_on": dt.date(2026, 3, 3),
        }
    ]
    expected = spend_from_budgets(webinar_campaigns).to_pylist()
    assert [r for r in lines.to_pylist() if r["campaign"] == "Spring webinar"] == expected
    assert sum(r["amount"] for r in expected) == 300.0


def test_weekly_spend_sums_dated_spend_lines_and_spreads_only_campaigns_without_any(story):
    Campaign.objects.update(budget=0)  # the story's campaigns cost only what is recorded here
    # A planned budget does not count once a campaign has recorded spend.
    story.webinar.budget, story.webinar.starts_on = 10_000, dt.date(2026, 1, 1)
    story.webinar.save()
    for campaign, day, amount in [
        (story.webinar, dt.date(2026, 3, 2), "100.00"),  # Monday of the week of 2 March
        (story.webinar, dt.date(2026, 3, 4), "50.00"),
        (story.webinar, dt.date(2026, 3, 4), "5.50"),  # a second invoice the same day
        (story.webinar, dt.date(2026, 3, 10), "70.00"),  # Tuesday of the week of 9 March
        (story.search, dt.date(2026, 3, 8), "30.00"),  # Sunday: still the week of 2 March
        (story.search, dt.date(2026, 3, 9), "20.00"),
    ]:
        SpendLine.objects.create(campaign=campaign, spent_on=day, amount=Decimal(amount))
    CampaignFactory(
        name="Spring print",
        channel="print",
        budget=70,
        starts_on=dt.date(2026, 3, 6),
        ends_on=dt.date(2026, 3, 12),
    )

    spend, spread = feeders.weekly_spend()

    monday, next_monday = dt.date(2026, 3, 2), dt.date(2026, 3, 9)
    assert spend.to_pylist() == [
        {"week": monday, "channel": "print", "spend": pytest.approx(30.0)},  # 6–8 March
        {"week": monday, "channel": "search", "spend": 30.0},
        {"week": monday, "channel": "webinar", "spend": 155.5},
        {"week": next_monday, "channel": "print", "spend": pytest.approx(40.0)},  # 9–12 March
        {"week": next_monday, "channel": "search", "spend": 20.0},
        {"week": next_monday, "channel": "webinar", "spend": 70.0},
    ]
    assert spread == ["Spring print"]
    assert "1 campaign(s) without spend lines" in spend_note(spread)
    assert "Spring print" in spend_note(spread)
    assert "budget" not in spend_note([])
    # Profitability reads the same source: the webinar costs its lines, not its budget.
    lines = feeders.spend_lines().to_pylist()
    assert sum(r["amount"] for r in lines if r["campaign"] == story.webinar.name) == 225.5
