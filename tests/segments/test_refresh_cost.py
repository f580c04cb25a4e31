"""What one contact's refresh costs: a fixed number of statements whatever the number of
segments, and only the segments a change can move are evaluated."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.people.hooks import INPUT_ACCOUNT, INPUT_CONTACT, INPUT_TOUCH
from tandem.people.models import Contact
from tandem.segments import services
from tandem.segments.conditions import input_static_list, parse_rule
from tandem.segments.freshness import segments_refresh_on_commit
from tandem.segments.models import Segment, SegmentMember

SENIOR = {
    "match": "all",
    "conditions": [{"type": "contact_field", "field": "title", "op": "contains", "value": "vp"}],
}
NOT_SENIOR = {
    "match": "all",
    "conditions": [
        {"type": "contact_field", "field": "title", "op": "not_contains", "value": "vp"}
    ],
}
RECENT_OPENER = {
    "match": "all",
    "conditions": [{"type": "behaviour", "action": "opened_email", "within_days": 30}],
}


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements run, by their first word; savepoints (the test's transaction) left out."""
    words = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    return [w for w in words if w not in {"SAVEPOINT", "RELEASE"}]


def segments_made(make_segment, count: int) -> list[Segment]:
    made = []
    for n in range(count):
        rule = SENIOR if n % 2 == 0 else NOT_SENIOR
        made.append(make_segment(rule, name=f"Title {n:03d}"))
    return made


@pytest.mark.parametrize("count", [4, 40], ids=["4-segments", "40-segments"])
def test_a_refresh_is_the_same_statements_for_4_or_40_segments(crowd, make_segment, count):
    made = segments_made(make_segment, count)
    ann = crowd.ann
    # Settled: nothing to move, so two reads — the rules, then every flag and membership.
    with CaptureQueriesContext(connection) as captured:
        services.segments_refresh_for_contact(ann.pk)
    assert statements(captured) == ["SELECT", "SELECT"]

    # Ann stops being a VP: she leaves half the segments and joins the other half.
    Contact.objects.filter(pk=ann.pk).update(title="Engineer")
    with CaptureQueriesContext(connection) as captured:
        added, removed = services.segments_refresh_for_contacts([ann.pk])
    assert (added, removed) == (count // 2, count // 2)
    assert statements(captured) == ["SELECT", "SELECT", "INSERT", "DELETE", "UPDATE"]
    in_now = set(SegmentMember.objects.filter(contact=ann).values_list("segment__name", flat=True))
    assert in_now == {s.name for n, s in enumerate(made) if n % 2 == 1}
    for segment in Segment.objects.filter(pk__in=[s.pk for s in made]):
        assert segment.member_count == SegmentMember.objects.filter(segment=segment).count()


def test_many_contacts_take_the_same_statements_as_one(crowd, make_segment):
    segments_made(make_segment, 6)
    ids = [crowd.ann.pk, crowd.bob.pk, crowd.cy.pk, crowd.dee.pk]
    Contact.objects.filter(pk__in=ids).update(title="VP Everything")
    with CaptureQueriesContext(connection) as captured:
        added, removed = services.segments_refresh_for_contacts(ids)
    # Ann was a VP already; the other three swap their three "not VP" segments for three "VP".
    assert (added, removed) == (9, 9)
    assert statements(captured) == ["SELECT", "SELECT", "INSERT", "DELETE", "UPDATE"]


def test_a_touch_change_leaves_field_segments_unevaluated(crowd, make_segment):
    senior = make_segment(SENIOR, name="Senior")
    openers = make_segment(RECENT_OPENER, name="Recent openers")
    Contact.objects.filter(pk=crowd.bob.pk).update(title="VP Retail")
    crowd.bob.touches.update(kind="email_open")  # bob's visits become recent-enough opens

    services.segments_refresh_for_contacts([crowd.bob.pk], changed={INPUT_TOUCH})

    members = set(
        SegmentMember.objects.filter(contact=crowd.bob).values_list("segment_id", flat=True)
    )
    # Told only a touch changed, the title segment was not evaluated (a title change tells so).
    assert members == {openers.pk}
    services.segments_refresh_for_contacts([crowd.bob.pk], changed={INPUT_CONTACT})
    members = set(
        SegmentMember.objects.filter(contact=crowd.bob).values_list("segment_id", flat=True)
    )
    assert members == {openers.pk, senior.pk}


def test_a_change_no_segment_reads_costs_one_query(crowd, make_segment, django_assert_num_queries):
    senior = make_segment(SENIOR, name="Senior")
    with django_assert_num_queries(1):
        moved = services.segments_refresh_for_contacts([crowd.ann.pk], changed={INPUT_TOUCH})

    assert moved == (0, 0)
    assert list(SegmentMember.objects.filter(segment=senior).values_list("contact", flat=True)) == [
        crowd.ann.pk
    ]


def test_each_segment_knows_what_its_rule_reads(crowd, make_segment, cast):
    makers = make_segment(
        {
            "match": "all",
            "conditions": [
                {"type": "account_field", "field": "industry", "op": "equals", "value": "Retail"}
            ],
        },
        name="Retail",
    )
    hand_picked = services.segment_create(
        actor=cast.marketer, name="Hand picked", kind=Segment.Kind.STATIC
    )
    rule = {
        "match": "any",
        "conditions": [
            {"type": "segment", "op": "not_in", "segment": makers.pk},
            {"type": "segment", "op": "in", "segment": hand_picked.pk},
            RECENT_OPENER,
        ],
    }
    assert parse_rule(rule).inputs() == {
        INPUT_ACCOUNT,
        INPUT_CONTACT,
        INPUT_TOUCH,
        input_static_list(hand_picked.pk),
    }


def pending_refresh(callbacks):
    (pending,) = [
        c for c in callbacks if getattr(c, "__qualname__", "") == "segments_refresh_pending"
    ]
    return pending


def test_one_transaction_joins_what_changed(crowd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        segments_refresh_on_commit([crowd.ann.pk], changed={INPUT_TOUCH})
        segments_refresh_on_commit([crowd.bob.pk], changed={INPUT_CONTACT})
    pending = pending_refresh(callbacks)
    assert pending.changed == {INPUT_TOUCH, INPUT_CONTACT}
    assert pending.contact_ids == {crowd.ann.pk, crowd.bob.pk}


def test_a_change_of_unknown_kind_refreshes_every_segment(
    crowd, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        segments_refresh_on_commit([crowd.ann.pk], changed={INPUT_TOUCH})
        segments_refresh_on_commit([crowd.bob.pk])  # unsure what changed: everything
    assert pending_refresh(callbacks).changed is None
