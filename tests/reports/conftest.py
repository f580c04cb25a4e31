"""A small company's history, built through the services, for the reports to read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tandem.handoff import services as handoff
from tandem.people import touches
from tandem.people.models import Contact
from tandem.sales import services as sales
from tandem.sales.models import Deal
from tests.api.conftest import api  # noqa: F401 — the API client fixture, for test_api
from tests.factories import CampaignFactory


@dataclass
class Story:
    """Ann bought twice (webinar, then search brought her back); Bo is a waiting MQL."""

    ann: Contact
    bo: Contact
    first_deal: Deal
    second_deal: Deal
    open_deal: Deal
    webinar: Any
    search: Any


@pytest.fixture
def story(cast, mql, submit) -> Story:
    ann = mql.contact
    webinar = mql.campaign
    search = CampaignFactory(name="Always-on search", utm_campaign="always-on", channel="search")
    # Ann read a blog post (organic search) three days before she filled in the webinar form.
    form_touch = ann.touches.get()
    touches.touch_record(
        contact=ann,
        kind="page_visit",
        channel="organic_search",
        occurred_at=form_touch.occurred_at - dt.timedelta(days=3),
        utm={"source": "google", "medium": "organic", "content": "blog-oee"},
    )
    first = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_won(actor=cast.sales_rep, deal=first, amount=1000)
    # A month later a paid search ad brings her back; a rep opens a second deal and wins it.
    touches.touch_record(contact=ann, kind="page_visit", channel="search", campaign=search)
    second = sales.deal_open(
        actor=cast.sales_rep,
        name="Acme — expansion",
        owner=cast.sales_rep,
        contact=ann,
        amount=400,
        source_campaign=search,
    )
    sales.deal_close_won(actor=cast.sales_rep, deal=second)
    open_deal = sales.deal_open(
        actor=cast.sales_rep,
        name="Acme — renewal",
        owner=cast.sales_rep,
        contact=ann,
        amount=250,
        source_campaign=webinar,
    )
    submit(email="bo@bolt.test", first_name="Bo", company="Bolt", utm_campaign="always-on")
    bo = Contact.objects.get(email="bo@bolt.test")
    return Story(ann, bo, first, second, open_deal, webinar, search)


def at(moment: dt.datetime) -> dt.datetime:
    """A Django timestamp as the naive UTC the analytics read."""
    return timezone.localtime(moment, dt.UTC).replace(tzinfo=None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Ibis 12 under pandas 3 and DuckDB 2 warns about options going away; not ours.
    quiet = [
        pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
        pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated"),
    ]
    for item in items:
        if "tests/reports/" in str(item.path).replace("\\", "/"):
            for marker in quiet:
                item.add_marker(marker)
