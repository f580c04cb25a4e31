"""Campaigns: objective and its measure, dates, budget and spend lines, UTM links, pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing import campaign_services, selectors
from tandem.marketing.models import Campaign, SpendLine, TrackedLink
from tandem.people.models import AudienceType
from tandem.sales import services as sales
from tandem.segments.models import Segment
from tests.factories import AccountFactory, ContactFactory


def test_campaign_keeps_story_dates_budget_and_segments(cast):
    segment = Segment.objects.create(name="Plant managers")

    campaign = campaign_services.campaign_create(
        actor=cast.marketer,
        name="Plant tour",
        channel="events",
        objective="new_vertical",
        vertical="Food processing",
        budget="2,500.50",
        starts_on="2026-10-01",
        ends_on="2026-10-31",
        message="See it run",
        offer="A seat on the tour",
        segment_ids=[segment.pk],
    )

    campaign.refresh_from_db()
    assert (campaign.utm_campaign, campaign.budget, campaign.vertical) == (
        "plant-tour",
        Decimal("2500.50"),
        "Food processing",
    )
    assert (campaign.starts_on, campaign.ends_on) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert list(campaign.segments.values_list("name", flat=True)) == ["Plant managers"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"channel": "telepathy"}, "channel"),
        ({"objective": "fame"}, "objective"),
        ({"budget": "lots"}, "budget"),
        ({"budget": "-5"}, "budget"),
        ({"starts_on": "2026-13-01"}, "starts_on"),
        ({"starts_on": "2026-10-02", "ends_on": "2026-10-01"}, "ends_on"),
        ({"objective": "new_vertical"}, "vertical"),
        ({"segment_ids": [999]}, "segments"),
    ],
    ids=[
        "blank-name",
        "channel",
        "objective",
        "budget-text",
        "budget-negative",
        "bad-date",
        "ends-before-start",
        "vertical-missing",
        "unknown-segment",
    ],
)
def test_bad_campaign_input_names_the_field_and_stores_nothing(cast, fields, field):
    given = {"name": "Fair", "channel": "events", **fields}

    with pytest.raises(InvalidInput) as caught:
        campaign_services.campaign_create(actor=cast.marketer, **given)

    assert field in caught.value.errors
    assert Campaign.objects.count() == 0


def test_a_sales_rep_may_not_create_a_campaign(cast):
    with pytest.raises(PermissionDenied):
        campaign_services.campaign_create(actor=cast.sales_rep, name="Rogue", channel="email")


def test_update_changes_dates_and_segments_but_not_the_utm_tag(cast, campaign):
    segment = Segment.objects.create(name="Customers")

    campaign_services.campaign_update(
        actor=cast.marketer,
        campaign=campaign,
        name="Autumn launch II",
        ends_on="2027-01-15",
        segment_ids=[segment.pk],
    )

    campaign.refresh_from_db()
    assert (campaign.name, campaign.utm_campaign, campaign.ends_on) == (
        "Autumn launch II",
        "autumn-launch",
        dt.date(2027, 1, 15),
    )
    assert [s.name for s in campaign.segments.all()] == ["Customers"]


def test_another_marketer_may_not_edit_my_campaign_but_the_manager_may(cast, campaign):
    other = type(cast.marketer).objects.create(username="mo", role="marketer")

    with pytest.raises(PermissionDenied):
        campaign_services.campaign_update(actor=other, campaign=campaign, name="Mine now")
    campaign_services.campaign_update(
        actor=cast.marketing_manager, campaign=campaign, name="Managed"
    )

    campaign.refresh_from_db()
    assert campaign.name == "Managed"


@pytest.mark.parametrize(
    ("day", "starts", "ends", "status"),
    [
        (dt.date(2026, 8, 31), dt.date(2026, 9, 1), dt.date(2026, 9, 30), "planned"),
        (dt.date(2026, 9, 1), dt.date(2026, 9, 1), dt.date(2026, 9, 30), "running"),
        (dt.date(2026, 9, 30), dt.date(2026, 9, 1), dt.date(2026, 9, 30), "running"),
        (dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2026, 9, 30), "ended"),
        (dt.date(2026, 10, 1), dt.date(2026, 9, 1), None, "running"),
        (dt.date(2026, 10, 1), None, None, "planned"),
    ],
)
def test_status_follows_the_dates(day, starts, ends, status):
    assert Campaign(starts_on=starts, ends_on=ends).status_on(day) == status


def test_spend_lines_add_up_and_give_cost_per_lead(cast, campaign, submit, pinned_today):
    today = pinned_today
    campaign_services.spend_add(
        actor=cast.marketer, campaign=campaign, spent_on=today, amount="300"
    )
    campaign_services.spend_add(
        actor=cast.marketer, campaign=campaign, spent_on=today, amount="150.50"
    )
    submit(utm_campaign="autumn-launch", email="a@one.test", title="")
    submit(utm_campaign="autumn-launch", email="b@two.test", title="")

    numbers = selectors.campaign_numbers(campaign=campaign)

    assert (numbers.spent, numbers.leads, numbers.cost_per_lead) == (
        Decimal("450.50"),
        2,
        Decimal("225.25"),
    )


@pytest.mark.parametrize(
    ("amount", "day_offset", "field"),
    [
        ("0", 0, "amount"),
        ("-3", 0, "amount"),
        ("abc", 0, "amount"),
        ("2001", 0, "amount"),
        ("10", 400, "spent_on"),
    ],
    ids=["zero", "negative", "text", "over-twice-the-budget", "far-future"],
)
def test_unlikely_spend_is_refused_with_the_reason(
    cast, campaign, amount, day_offset, field, pinned_today
):
    day = pinned_today + dt.timedelta(days=day_offset)

    with pytest.raises(InvalidInput) as caught:
        campaign_services.spend_add(
            actor=cast.marketer, campaign=campaign, spent_on=day, amount=amount
        )

    assert list(caught.value.errors) == [field]
    assert SpendLine.objects.count() == 0


def test_link_builder_tags_the_destination_and_keeps_its_query(cast, campaign):
    link = campaign_services.link_create(
        actor=cast.marketer,
        campaign=campaign,
        destination="https://example.test/tour?lang=en&utm_source=old#top",
        source="linkedin",
        medium="paid_social",
        content="video ad",
    )

    assert link.url == (
        "https://example.test/tour?lang=en&utm_source=linkedin&utm_medium=paid_social"
        "&utm_campaign=autumn-launch&utm_content=video+ad#top"
    )
    assert TrackedLink.objects.get().campaign == campaign


@pytest.mark.parametrize(
    ("destination", "source", "medium", "field"),
    [
        ("example.test", "x", "y", "destination"),
        ("https://e.test", "", "y", "source"),
        ("https://e.test", "x", "", "medium"),
        ("javascript:alert(1)", "x", "y", "destination"),
    ],
)
def test_link_builder_refuses_bad_input(cast, campaign, destination, source, medium, field):
    with pytest.raises(InvalidInput) as caught:
        campaign_services.link_create(
            actor=cast.marketer,
            campaign=campaign,
            destination=destination,
            source=source,
            medium=medium,
        )
    assert field in caught.value.errors


def _touch(contact, campaign, kind="page_visit"):
    return handoff.touch_log(contact=contact, kind=kind, campaign=campaign, channel="content")


def test_product_launch_is_judged_by_engaged_contacts(cast):
    launch = campaign_services.campaign_create(
        actor=cast.marketer, name="Launch", channel="content", objective="product_launch"
    )
    ann, bo = ContactFactory(), ContactFactory()
    _touch(ann, launch)
    _touch(ann, launch, "email_open")
    _touch(bo, launch, "email_sent")

    numbers = selectors.campaign_numbers(campaign=launch)

    assert (numbers.reach, numbers.engagement) == (2, 2)
    assert (numbers.measure.label, numbers.measure.value) == ("Engaged contacts", 1)


def test_new_vertical_counts_contacts_from_that_industry(cast):
    campaign = campaign_services.campaign_create(
        actor=cast.marketer,
        name="Food",
        channel="events",
        objective="new_vertical",
        vertical="Food processing",
    )
    food = AccountFactory(industry="Food processing")
    _touch(ContactFactory(account=food), campaign)
    _touch(ContactFactory(account=food), campaign)
    _touch(ContactFactory(), campaign)  # Manufacturing

    measure = selectors.campaign_numbers(campaign=campaign).measure

    assert (measure.label, measure.value) == ("Contacts in Food processing", 2)


def test_recruiting_counts_candidates_who_signed_up(cast):
    campaign = campaign_services.campaign_create(
        actor=cast.marketer, name="Careers", channel="events", objective="recruiting"
    )
    candidate = ContactFactory(audience_flags=AudienceType.CANDIDATE)
    prospect = ContactFactory()
    _touch(candidate, campaign, "form_submission")
    _touch(prospect, campaign, "form_submission")

    measure = selectors.campaign_numbers(campaign=campaign).measure

    assert (measure.label, measure.value) == ("Candidate sign-ups", 1)


def test_retention_counts_repeat_purchases_after_its_touch(cast):
    campaign = campaign_services.campaign_create(
        actor=cast.marketer, name="Come back", channel="email", objective="retention"
    )
    account = AccountFactory()
    buyer = ContactFactory(account=account)
    first = sales.deal_open(actor=cast.sales_rep, name="First", owner=cast.sales_rep, contact=buyer)
    sales.deal_close_won(actor=cast.sales_rep, deal=first, amount=100)
    _touch(buyer, campaign, "email_click")
    again = sales.deal_open(actor=cast.sales_rep, name="Again", owner=cast.sales_rep, contact=buyer)
    sales.deal_close_won(actor=cast.sales_rep, deal=again, amount=200)

    measure = selectors.campaign_numbers(campaign=campaign).measure

    assert (measure.label, measure.value) == ("Repeat purchases", 1)


def test_campaign_page_shows_numbers_spend_and_attribution(cast, campaign, signed_in, pinned_today):
    for day in (pinned_today, pinned_today - dt.timedelta(days=40)):
        campaign_services.spend_add(
            actor=cast.marketer, campaign=campaign, spent_on=day, amount="60"
        )

    page = signed_in(cast.marketer).get(f"/marketing/campaigns/{campaign.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-metric="spent">120<' in html
    assert 'id="attribution"' in html
    assert "<svg" in html


def test_campaign_list_shows_status_and_spend_in_few_queries(
    cast, signed_in, django_assert_num_queries, pinned_today
):
    for n in range(5):
        c = campaign_services.campaign_create(
            actor=cast.marketer, name=f"C{n}", channel="email", starts_on="2020-01-01"
        )
        campaign_services.spend_add(
            actor=cast.marketer, campaign=c, spent_on=pinned_today, amount="7"
        )
    client = signed_in(cast.marketer)

    with django_assert_num_queries(4):
        page = client.get("/marketing/campaigns/")

    assert page.status_code == 200
    html = page.content.decode()
    assert all(f">C{n}<" in html for n in range(5))
    assert html.count(">Running</span>") == 5
    assert html.count('<td class="num">7</td>') == 5


def test_create_page_creates_and_redirects_to_the_campaign(cast, signed_in):
    client = signed_in(cast.marketer)

    response = client.post(
        "/marketing/campaigns/new/",
        {"name": "Webinar", "objective": "lead_generation", "channel": "webinar", "budget": "5"},
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/campaigns/{campaign.pk}/"


def test_create_page_shows_errors_beside_fields(cast, signed_in):
    response = signed_in(cast.marketer).post(
        "/marketing/campaigns/new/", {"name": "", "objective": "lead_generation", "channel": "x"}
    )

    assert response.status_code == 422
    assert b'id="f-name-err"' in response.content
    assert b'id="f-channel-err"' in response.content


@pytest.mark.parametrize("role", ["sales_rep", "employee"])
def test_wrong_roles_may_not_open_the_new_campaign_page(cast, signed_in, role):
    assert signed_in(cast.by_role(role)).get("/marketing/campaigns/new/").status_code == 403


def test_spend_form_refusal_is_shown_on_the_campaign_page(cast, campaign, signed_in):
    response = signed_in(cast.marketer).post(
        f"/marketing/campaigns/{campaign.pk}/spend/", {"spent_on": "", "amount": "3"}
    )

    assert response.status_code == 422
    assert b'id="f-spent_on-err"' in response.content


def test_new_and_edit_pages_open(cast, campaign, signed_in):
    client = signed_in(cast.marketer)

    assert client.get("/marketing/campaigns/new/").status_code == 200
    page = client.get(f"/marketing/campaigns/{campaign.pk}/edit/")
    assert page.status_code == 200
    assert 'value="2026-09-01"' in page.content.decode()


def test_two_campaigns_may_not_share_a_name_reports_credit_by_it(cast, campaign):
    with pytest.raises(InvalidInput) as caught:
        campaign_services.campaign_create(
            actor=cast.marketer, name=campaign.name.upper(), channel="events", utm_campaign="x"
        )
    other = campaign_services.campaign_create(
        actor=cast.marketer, name="Spring fair", channel="events"
    )
    with pytest.raises(InvalidInput) as renamed:
        campaign_services.campaign_update(actor=cast.marketer, campaign=other, name=campaign.name)

    assert "already called" in caught.value.errors["name"]
    assert "already called" in renamed.value.errors["name"]
    campaign_services.campaign_update(
        actor=cast.marketer, campaign=other, name="Spring fair"
    )  # itself
