"""Marketing's view of everyone's touches: who outside marketing logs them, how customers felt."""

from __future__ import annotations

from tandem.core.periods import period_for
from tandem.dashboards import metrics
from tandem.handoff import services as handoff
from tandem.people import services as people


def test_touches_outside_marketing_and_sentiment_by_audience_type(cast, ann, login):
    # given Ann is a prospect and a partner; Bob is a customer
    people.contact_update(actor=cast.marketer, contact=ann, audience_types=["prospect", "partner"])
    bob, _ = people.contact_upsert(
        actor=cast.marketer, email="bob@acme.test", via="test", audience_types=["customer"]
    )
    # and touches by an employee (2), a rep (1), leadership's admin (1) and a marketer (1)
    handoff.touch_log(contact=ann, kind="call", actor=cast.employee, sentiment="negative")
    handoff.touch_log(contact=bob, kind="note", actor=cast.employee, sentiment="positive")
    handoff.touch_log(contact=bob, kind="meeting", actor=cast.sales_rep, sentiment="positive")
    handoff.touch_log(contact=ann, kind="note", actor=cast.admin, sentiment="neutral")
    handoff.touch_log(contact=ann, kind="note", actor=cast.marketer, sentiment="positive")

    # when marketing reads this quarter
    figures = metrics.everyone_touches(period_for("quarter"))

    # then
    assert figures.by_role == [("Employee", 2), ("Admin", 1), ("Sales rep", 1)]
    assert figures.outside_marketing == 4
    assert [
        (r.audience, r.positive, r.neutral, r.negative) for r in figures.sentiment_by_audience
    ] == [
        ("Prospect", 1, 1, 1),
        ("Customer", 2, 0, 0),
        ("Partner", 1, 1, 1),
    ]
    page = login(cast.marketer).get("/marketing/?period=6m").content.decode()
    assert "Touches logged by people outside marketing: 4." in page


def test_sentiment_by_segment_on_the_marketing_home(cast, ann, login):
    import datetime as dt

    from tandem.collaboration import selectors
    from tandem.segments.models import Segment, SegmentMember

    # given Ann is in two segments and Bob in one; touches felt by each
    bob, _ = people.contact_upsert(actor=cast.marketer, email="bob@acme.test", via="test")
    now = dt.datetime.now(dt.UTC)
    north = Segment.objects.create(name="North", kind=Segment.Kind.STATIC)
    key = Segment.objects.create(name="Key accounts", kind=Segment.Kind.STATIC)
    SegmentMember.objects.bulk_create(
        [
            SegmentMember(segment=north, contact=ann, added_at=now),
            SegmentMember(segment=key, contact=ann, added_at=now),
            SegmentMember(segment=north, contact=bob, added_at=now),
        ]
    )
    handoff.touch_log(contact=ann, kind="call", actor=cast.employee, sentiment="negative")
    handoff.touch_log(contact=bob, kind="note", actor=cast.employee, sentiment="positive")
    handoff.touch_log(contact=bob, kind="note", actor=cast.employee, sentiment="positive")
    handoff.touch_log(contact=bob, kind="note", actor=cast.employee)  # no sentiment: not counted

    period = period_for("quarter")
    rows = selectors.sentiment_by_segment(start=period.start, end=period.end)

    assert [(r.segment, r.positive, r.neutral, r.negative) for r in rows] == [
        ("North", 2, 0, 1),
        ("Key accounts", 0, 0, 1),
    ]
    page = login(cast.marketer).get("/marketing/").content.decode()
    assert "How customers felt, by segment" in page and "Key accounts" in page
