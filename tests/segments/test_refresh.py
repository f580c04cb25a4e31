"""Incremental freshness: a contact, consent or touch change updates memberships on commit,
and what it leaves is exactly what a full rebuild would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.handoff import services as handoff
from tandem.people import services as people
from tandem.segments import rebuild, services
from tandem.segments.freshness import segments_refresh_on_commit
from tandem.segments.models import Segment, SegmentMember

RULES = {
    "Makers": {
        "match": "all",
        "conditions": [
            {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"}
        ],
    },
    "Engaged": {
        "match": "all",
        "conditions": [
            {"type": "behaviour", "action": "opened_email", "at_least": 2, "within_days": 30}
        ],
    },
    "Warm makers": {
        "match": "all",
        "conditions": [
            {
                "type": "account_field",
                "field": "industry",
                "op": "equals",
                "value": "Manufacturing",
            },
            {"type": "behaviour", "action": "any_touch", "within_days": 30},
            {"type": "score", "op": "gte", "value": 20},
        ],
    },
    "Emailable": {
        "match": "any",
        "conditions": [
            {"type": "consent", "channel": "email", "state": "granted"},
            {
                "match": "all",
                "conditions": [
                    {"type": "lifecycle_stage", "op": "in", "values": ["customer"]},
                    {"type": "consent", "channel": "email", "state": "unknown"},
                ],
            },
        ],
    },
    "Senior non-customers": {
        "match": "all",
        "conditions": [
            {"type": "contact_field", "field": "title", "op": "contains", "value": "vp"},
            {"type": "audience", "op": "none_of", "values": ["customer"]},
        ],
    },
}


@pytest.fixture
def segments(cast, crowd, django_capture_on_commit_callbacks):
    built = {}
    with django_capture_on_commit_callbacks(execute=True):
        for name, rule in RULES.items():
            built[name] = services.segment_create(actor=cast.marketer, name=name, rule=rule)
    for segment in built.values():
        rebuild.segment_rebuild(segment=segment)
    built["Not makers"] = services.segment_create(
        actor=cast.marketer,
        name="Not makers",
        rule={
            "match": "all",
            "conditions": [{"type": "segment", "op": "not_in", "segment": built["Makers"].pk}],
        },
    )
    rebuild.segment_rebuild(segment=built["Not makers"])
    return built


def stored() -> dict[str, set[str]]:
    rows = SegmentMember.objects.values_list("segment__name", "contact__email")
    result: dict[str, set[str]] = {}
    for name, email in rows:
        result.setdefault(name, set()).add(email)
    return result


def rebuilt() -> dict[str, set[str]]:
    for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC):
        rebuild.segment_rebuild(segment=segment)
    return stored()


def test_a_logged_touch_joins_the_segment_on_commit(
    crowd, segments, cast, django_capture_on_commit_callbacks
):
    assert "bob@shopline.test" not in stored().get("Engaged", set())
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            handoff.touch_log(contact=crowd.bob, kind="email_open", actor=cast.marketer)
    assert "bob@shopline.test" in stored()["Engaged"]
    assert Segment.objects.get(name="Engaged").member_count == 2


def test_nothing_changes_before_commit(crowd, segments, cast):
    for _ in range(2):
        handoff.touch_log(contact=crowd.bob, kind="email_open", actor=cast.marketer)
    assert "bob@shopline.test" not in stored().get("Engaged", set())


def test_a_changed_account_moves_its_contacts(
    crowd, segments, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        people.account_update(
            actor=cast.marketer, account=crowd.bob.account, industry="Manufacturing"
        )
    assert stored()["Makers"] == {"ann@acme.test", "dee@acme.test", "bob@shopline.test"}
    assert "bob@shopline.test" not in stored()["Not makers"]
    assert Segment.objects.get(name="Makers").member_count == 3


def test_a_refused_consent_leaves_the_segment(crowd, segments, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        people.consent_record(
            contact=crowd.ann, channel="email", is_granted=False, source="unsubscribe"
        )
    assert "ann@acme.test" not in stored()["Emailable"]


def test_a_deleted_contact_leaves_the_counts_right(crowd, segments, cast):
    people.contact_delete(actor=cast.marketing_manager, contact=crowd.ann)

    # Ann leaves the four segments she was in; the others keep their counts.
    counts = {s.name: s.member_count for s in Segment.objects.all()}
    assert counts == {
        "Emailable": 1,
        "Engaged": 0,
        "Makers": 1,
        "Not makers": 2,
        "Senior non-customers": 0,
        "Warm makers": 1,
    }
    for segment in Segment.objects.all():
        assert segment.member_count == SegmentMember.objects.filter(segment=segment).count()


def test_one_transaction_refreshes_each_contact_once(
    crowd, segments, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        handoff.touch_log(contact=crowd.bob, kind="email_open", actor=cast.marketer)
        people.consent_record(contact=crowd.bob, channel="email", is_granted=True, source="x")
        segments_refresh_on_commit([crowd.cy.pk])
    refreshes = [c for c in callbacks if type(c).__name__ == "_Pending"]
    assert len(refreshes) == 1
    assert refreshes[0].contact_ids == {crowd.bob.pk, crowd.cy.pk}


def test_refresh_of_one_contact_is_a_fixed_number_of_queries(
    crowd, segments, django_assert_num_queries
):
    before = _segments_of(crowd.ann)
    # Once first, so the rules are compiled: whether an earlier test already compiled the same
    # rules in this process would otherwise change the count.
    services.segments_refresh_for_contact(crowd.ann.pk)
    # Then two reads: the rules, then every flag and membership of Ann's.
    with django_assert_num_queries(2):
        services.segments_refresh_for_contact(crowd.ann.pk)

    # Nothing about Ann changed since the fixture built the segments, so nothing moves.
    assert _segments_of(crowd.ann) == before
    assert "Makers" in before


def _segments_of(contact) -> list[str]:
    return sorted(
        SegmentMember.objects.filter(contact=contact).values_list("segment__name", flat=True)
    )


KINDS = ["email_open", "email_click", "page_visit", "event", "note"]
change = st.one_of(
    st.tuples(st.just("touch"), st.integers(0, 3), st.sampled_from(KINDS), st.integers(0, 45)),
    st.tuples(st.just("consent"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("industry"), st.integers(0, 3), st.sampled_from(["Manufacturing", "Retail"])),
    st.tuples(st.just("title"), st.integers(0, 3), st.sampled_from(["VP Sales", "Engineer"])),
    st.tuples(st.just("delete_touch"), st.integers(0, 3)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(change, min_size=1, max_size=6))
def test_incremental_membership_equals_a_full_rebuild(
    crowd, segments, cast, django_capture_on_commit_callbacks, changes
):
    contacts = [crowd.ann, crowd.bob, crowd.cy, crowd.dee]
    with transaction.atomic():
        with django_capture_on_commit_callbacks(execute=True):
            for item in changes:
                contact = contacts[item[1]]
                contact.refresh_from_db()
                if item[0] == "touch":
                    handoff.touch_log(
                        contact=contact,
                        kind=item[2],
                        actor=cast.marketer,
                        occurred_at=timezone.now() - dt.timedelta(days=item[3]),
                    )
                elif item[0] == "consent":
                    people.consent_record(
                        contact=contact, channel="email", is_granted=item[2], source="t"
                    )
                elif item[0] == "industry" and contact.account is not None:
                    people.account_update(
                        actor=cast.marketer, account=contact.account, industry=item[2]
                    )
                elif item[0] == "title":
                    people.contact_update(actor=cast.marketer, contact=contact, title=item[2])
                elif item[0] == "delete_touch":
                    touch = contact.touches.order_by("-id").first()
                    if touch is not None:
                        handoff.touch_delete(actor=cast.admin, touch=touch)
        incremental = stored()
        counts = dict(Segment.objects.values_list("name", "member_count"))
        assert incremental == rebuilt()
        assert counts == dict(Segment.objects.values_list("name", "member_count"))
        transaction.set_rollback(True)
