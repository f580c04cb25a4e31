"""The marketing home's crowd metrics over long windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tandem.core.periods import period_for
from tandem.dashboards import marketing_home
from tandem.handoff import services as handoff
from tandem.marketing import campaign_services
from tandem.people.models import AudienceType, Contact
from tandem.segments.models import Segment, SegmentMember
from tests.factories import ContactFactory

# "Now" is pinned: a contact put on the 15th of the real current month lay in the future on
# days 1-14 and fell outside the period, so the test failed for half of every month.
NOW = timezone.make_aware(dt.datetime(2026, 6, 3, 9, 30))


def _months_ago(n: int) -> dt.datetime:
    index = NOW.year * 12 + NOW.month - 1 - n
    return timezone.make_aware(dt.datetime(index // 12, index % 12 + 1, 1, 8))


def test_audience_growth_counts_each_type_per_month(db):
    a = ContactFactory(audience_flags=AudienceType.PROSPECT)
    b = ContactFactory(audience_flags=AudienceType.PROSPECT | AudienceType.CANDIDATE)
    c = ContactFactory(audience_flags=AudienceType.CUSTOMER)
    Contact.objects.filter(pk__in=[a.pk, b.pk]).update(created_at=_months_ago(2))
    Contact.objects.filter(pk=c.pk).update(created_at=_months_ago(0))
    earlier, now = f"{_months_ago(2):%Y-%m}", f"{_months_ago(0):%Y-%m}"

    growth = marketing_home.audience_growth(period_for("12m", now=NOW))

    assert growth == [
        {"month": earlier, "measure": "Candidate", "count": 1},
        {"month": earlier, "measure": "Prospect", "count": 2},
        {"month": now, "measure": "Customer", "count": 1},
    ]


def test_reach_and_engagement_by_channel_and_segment(cast):
    ann, bo, cy = ContactFactory(), ContactFactory(), ContactFactory()
    for contact, kind, channel in [
        (ann, "email_open", "email"),
        (ann, "email_click", "email"),
        (bo, "email_sent", "email"),
        (cy, "page_visit", "content"),
    ]:
        handoff.touch_log(contact=contact, kind=kind, channel=channel)
    segment = Segment.objects.create(name="Readers", member_count=2)
    for contact in (ann, bo):
        SegmentMember.objects.create(segment=segment, contact=contact, added_at=timezone.now())
    period = period_for("6m")

    by_channel = marketing_home.reach_by_channel(period)
    by_segment = marketing_home.reach_by_segment(period)

    assert [(r.name, r.reach, r.engagement) for r in by_channel] == [
        ("Email", 2, 2),
        ("Content", 1, 1),
    ]
    assert [(r.name, r.reach, r.engagement) for r in by_segment] == [("Readers", 2, 2)]


def test_leads_and_mqls_per_month_and_cost_per_lead(cast, campaign, submit):
    submit(email="a@one.test", title="")  # a lead, not (yet) an MQL
    submit(email="b@two.test")  # a VP: lead and MQL
    campaign_services.spend_add(
        actor=cast.marketer, campaign=campaign, spent_on=timezone.localdate(), amount="300"
    )
    period = period_for("12m")
    month = f"{timezone.localdate():%Y-%m}"

    monthly = marketing_home.leads_by_month(period)
    cost = marketing_home.cost_per_lead(period)

    assert sorted((r["month"], r["measure"], r["count"]) for r in monthly) == [
        (month, "Leads", 2),
        (month, "MQLs", 1),
    ]
    assert (cost.spent, cost.leads, cost.value) == (Decimal("300.00"), 2, Decimal("150.00"))


def test_home_page_shows_the_crowd_and_keeps_the_campaign_results(
    cast, campaign, submit, signed_in, django_assert_num_queries
):
    submit(utm_campaign="autumn-launch")
    client = signed_in(cast.marketing_manager)

    with django_assert_num_queries(18):
        page = client.get("/marketing/?period=18m")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-label="Reach and engagement by channel"' in html
    assert 'aria-label="Campaign status and spend"' in html
    assert 'id="campaign-results"' in html  # the foundation's table stays
    assert "Autumn launch" in html
