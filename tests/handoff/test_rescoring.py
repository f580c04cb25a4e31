"""The set-based rescore: the same numbers as the one-contact score, written only where they
changed, hand-offs only for contacts newly at the threshold, and segments kept fresh."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.handoff import rescoring, scoring
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead, ScoringProfile
from tandem.marketing import tasks
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, LifecycleMove, Touch
from tandem.segments import services as segments
from tandem.segments.models import SegmentMember
from tests.factories import AccountFactory, ContactFactory

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
KINDS = st.sampled_from(
    ["form_submission", "meeting", "event", "call", "email_click", "page_visit", "email_open"]
)
TOUCHES = st.lists(
    st.tuples(KINDS, st.floats(min_value=0, max_value=100), st.integers(1, 12)),
    max_size=8,
)


def _stored(contact: Contact) -> tuple[int, int, int, str]:
    contact.refresh_from_db()
    return (contact.fit_score, contact.engagement_score, contact.score, contact.grade)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    touches=TOUCHES,
    half_life=st.sampled_from([0.0, 7.0, 12.5, 30.0]),
    title=st.sampled_from(["", "VP Operations", "Plant Manager", "Developer"]),
    recycled_days_ago=st.one_of(st.none(), st.floats(min_value=0, max_value=95)),
)
def test_the_bulk_rescore_equals_the_one_contact_score(
    db, touches, half_life, title, recycled_days_ago
):
    # given a scoring profile, a contact with touches of any kinds and ages, perhaps recycled
    ScoringProfile.objects.update_or_create(pk=1, defaults={"half_life_days": half_life})
    contact = ContactFactory(title=title, account=AccountFactory(industry="Food"))
    Touch.objects.bulk_create(
        Touch(contact=contact, kind=kind, occurred_at=NOW - dt.timedelta(days=days_ago))
        for kind, days_ago, n in touches
        for _ in range(n)
    )
    if recycled_days_ago is not None:
        LifecycleMove.objects.create(
            contact=contact,
            from_stage=Stage.MQL,
            to_stage=Stage.RECYCLED,
            moved_at=NOW - dt.timedelta(days=recycled_days_ago),
        )

    # when the contact is rescored in bulk
    done = rescoring.rescore(contact_ids=[contact.pk], now=NOW)

    # then the stored numbers are exactly the one-contact explanation's
    expected = scoring.score_contact(contact, now=NOW)
    assert _stored(contact) == (expected.fit, expected.engagement, expected.total, expected.grade)
    assert done.rescored == 1
    # and a second run finds nothing to write
    assert rescoring.rescore(contact_ids=[contact.pk], now=NOW).changed_ids == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(touches=TOUCHES)
def test_scores_kept_touch_by_touch_equal_the_full_recompute(cast, touches):
    # given touches logged one at a time, each rescoring its contact as it arrives
    contact = ContactFactory(title="Plant Manager")
    handoff.contact_rescore(contact=contact)
    now = timezone.now()
    for kind, days_ago, n in touches:
        for _ in range(min(n, 3)):
            handoff.touch_log(
                contact=contact,
                kind=kind,
                channel="content",
                occurred_at=now - dt.timedelta(days=days_ago),
            )
    kept = _stored(contact)

    # when every contact is recomputed set-based
    done = rescoring.rescore(now=timezone.now())

    # then the incremental score was already the full recompute's
    assert contact.pk not in done.changed_ids
    assert _stored(contact) == kept


def test_only_changed_contacts_are_written_and_reported(db):
    calm = ContactFactory(title="", email="a@gmail.com", account=None)
    busy = ContactFactory(title="", email="b@gmail.com", account=None)
    rescoring.rescore(now=NOW)
    Touch.objects.create(contact=busy, kind="email_click", occurred_at=NOW)

    done = rescoring.rescore(now=NOW)

    assert done.changed_ids == [busy.pk]
    assert _stored(busy) == (0, 8, 8, "D4")
    assert _stored(calm) == (0, 0, 0, "D4")


def test_the_full_rescore_hands_off_only_contacts_newly_at_the_threshold(cast, settings):
    # given one contact already handed off and one who crossed the threshold without a rescore
    settings.TANDEM_MQL_THRESHOLD = 40
    waiting = ContactFactory(title="VP Sales", lifecycle_stage=Stage.LEAD)
    handoff.touch_log(contact=waiting, kind="form_submission", channel="webinar")
    waiting.refresh_from_db()
    assert waiting.lifecycle_stage == Stage.MQL
    fresh = ContactFactory(title="VP Sales", lifecycle_stage=Stage.LEAD)
    Touch.objects.create(contact=fresh, kind="form_submission", occurred_at=timezone.now())

    # when every contact is rescored
    result = handoff.contacts_rescore_all()

    # then only the new one is handed off, its moves recorded and routed to a rep
    assert result["handed_off"] == 1
    fresh.refresh_from_db()
    assert fresh.lifecycle_stage == Stage.MQL
    assert Lead.objects.filter(contact=waiting).count() == 1
    lead = Lead.objects.get(contact=fresh)
    assert lead.assigned_to == cast.sales_rep
    assert list(
        LifecycleMove.objects.filter(contact=fresh).values_list("from_stage", "to_stage")
    ) == [(Stage.LEAD, Stage.MQL)]


def test_the_full_rescore_refreshes_score_segments(cast):
    segment = segments.segment_create(
        actor=cast.marketer,
        name="Warm",
        rule={"match": "all", "conditions": [{"type": "score", "op": "gte", "value": 8}]},
    )
    contact = ContactFactory(title="", email="a@gmail.com", account=None)
    Touch.objects.create(contact=contact, kind="email_click", occurred_at=timezone.now())
    assert not SegmentMember.objects.filter(segment=segment, contact=contact).exists()

    handoff.contacts_rescore_all()

    assert SegmentMember.objects.filter(segment=segment, contact=contact).exists()


@pytest.mark.parametrize("via_batch", [True, False], ids=["bulk-task", "service"])
def test_a_touch_batch_rescores_in_bulk_and_routes_new_mqls(
    cast, settings, django_assert_num_queries, via_batch
):
    settings.TANDEM_MQL_THRESHOLD = 50
    quiet = [ContactFactory(title="", email=f"q{n}@gmail.com", account=None) for n in range(30)]
    keen = ContactFactory(title="VP Sales", lifecycle_stage=Stage.SUBSCRIBER)
    now = timezone.now()
    Touch.objects.bulk_create(
        [Touch(contact=c, kind="page_visit", occurred_at=now) for c in quiet]
        + [Touch(contact=keen, kind="form_submission", occurred_at=now)]
    )
    ids = [c.pk for c in quiet] + [keen.pk]

    if via_batch:
        with django_assert_num_queries(37):
            tasks.contacts_touched_refresh.call(ids, [keen.pk])
    else:
        keen.lifecycle_stage = Stage.LEAD
        Contact.objects.filter(pk=keen.pk).update(lifecycle_stage=Stage.LEAD)
        with django_assert_num_queries(30):
            handoff.contacts_rescore_for_touches(contact_ids=ids)

    assert {c.score for c in Contact.objects.filter(pk__in=[c.pk for c in quiet])} == {3}
    keen.refresh_from_db()
    assert keen.score == 60  # 15 senior + 10 business email + 5 profile + 30 form
    assert keen.lifecycle_stage == Stage.MQL
    assert Lead.objects.get(contact=keen).assigned_to == cast.sales_rep
