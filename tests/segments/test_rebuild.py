"""Full rebuilds: set-based, exact, recorded; membership of other segments; cycles refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tandem.errors import InvalidInput
from tandem.segments import rebuild, services
from tandem.segments.models import Segment, SegmentMember, SegmentSize
from tandem.segments.selectors import audience_contacts
from tests.segments.conftest import NOW

MANUFACTURING = {
    "match": "all",
    "conditions": [
        {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"}
    ],
}
ENGAGED = {
    "match": "all",
    "conditions": [{"type": "behaviour", "action": "opened_email", "within_days": 30}],
}


def members(segment) -> list[str]:
    return sorted(
        SegmentMember.objects.filter(segment=segment).values_list("contact__first_name", flat=True)
    )


def test_rebuild_stores_members_count_and_size(crowd, make_segment):
    segment = make_segment(MANUFACTURING)
    assert members(segment) == ["Ann", "Dee"]
    assert segment.member_count == 2
    assert segment.rebuilt_at == NOW
    assert segment.rebuild_status == Segment.RebuildStatus.IDLE
    assert list(
        SegmentSize.objects.filter(segment=segment).values_list("member_count", flat=True)
    ) == [2]


def test_rebuild_adds_and_removes_only_the_difference(crowd, make_segment):
    segment = make_segment(MANUFACTURING)
    kept = SegmentMember.objects.get(segment=segment, contact=crowd.ann)
    crowd.dee.account = None
    crowd.dee.save()
    crowd.bob.account.industry = "Manufacturing"
    crowd.bob.account.save()

    result = rebuild.segment_rebuild(segment=segment, now=NOW + dt.timedelta(hours=1))

    assert (result.added, result.removed, result.size) == (1, 1, 2)
    assert members(segment) == ["Ann", "Bob"]
    assert SegmentMember.objects.get(segment=segment, contact=crowd.ann).pk == kept.pk


def test_rebuild_is_a_fixed_number_of_queries(crowd, make_segment, django_assert_num_queries):
    segment = make_segment(ENGAGED)
    # PostgreSQL adds one statement: the rebuild's reads get their own work_mem (SET LOCAL).
    expected = 13 if connection.vendor == "postgresql" else 12
    with django_assert_num_queries(expected):
        result = rebuild.segment_rebuild(segment=segment, now=NOW)

    assert (result.added, result.removed, result.size) == (0, 0, 1)
    assert members(segment) == ["Ann"]


def test_time_window_moves_with_the_clock(crowd, make_segment):
    segment = make_segment(ENGAGED)
    assert segment.is_time_relative
    assert members(segment) == ["Ann"]
    rebuild.segment_rebuild(segment=segment, now=NOW + dt.timedelta(days=31))
    assert members(segment) == []


def test_segment_membership_of_a_dynamic_segment_follows_its_rule(crowd, make_segment):
    manufacturing = make_segment(MANUFACTURING, name="Manufacturing")
    rule = {
        "match": "all",
        "conditions": [
            {"type": "segment", "op": "not_in", "segment": manufacturing.pk},
            {"type": "audience", "op": "any_of", "values": ["prospect", "competitor"]},
        ],
    }
    assert members(make_segment(rule, name="Others")) == ["Bob", "Cy"]


def test_segment_membership_of_a_static_list_reads_its_members(crowd, cast, make_segment):
    show = make_segment(None, name="Trade show", kind=Segment.Kind.STATIC)
    services.segment_members_add(actor=cast.marketer, segment=show, contacts=[crowd.bob, crowd.cy])
    rule = {
        "match": "all",
        "conditions": [
            {"type": "segment", "op": "in", "segment": show.pk},
            {"type": "audience", "op": "any_of", "values": ["prospect"]},
        ],
    }
    assert members(make_segment(rule, name="Prospects from the show")) == ["Bob"]


def test_a_cycle_between_segments_is_refused(crowd, cast, make_segment):
    a = make_segment(MANUFACTURING, name="A")
    b = make_segment(
        {"match": "all", "conditions": [{"type": "segment", "op": "in", "segment": a.pk}]}, name="B"
    )
    with pytest.raises(InvalidInput) as refused:
        services.segment_update(
            actor=cast.marketer,
            segment=a,
            rule={"match": "any", "conditions": [{"type": "segment", "op": "in", "segment": b.pk}]},
        )
    assert refused.value.errors == {
        "rule": "this rule names a segment that (in turn) names this segment"
    }
    with pytest.raises(InvalidInput) as itself:
        services.segment_update(
            actor=cast.marketer,
            segment=a,
            rule={"match": "any", "conditions": [{"type": "segment", "op": "in", "segment": a.pk}]},
        )
    assert "names this segment" in itself.value.errors["rule"]


def test_a_rule_that_no_longer_evaluates_fails_loudly_and_keeps_members(crowd, make_segment):
    rule = {
        "match": "all",
        "conditions": [{"type": "behaviour", "action": "submitted_form", "form": crowd.form.pk}],
    }
    segment = make_segment(rule)
    assert members(segment) == ["Bob"]
    form_id = crowd.form.pk
    crowd.form.delete()

    with pytest.raises(InvalidInput) as failed:
        rebuild.segment_rebuild(segment=segment, now=NOW)

    assert failed.value.errors == {"rule.conditions[0].form": f"there is no form {form_id}"}
    segment.refresh_from_db()
    assert segment.rebuild_status == Segment.RebuildStatus.FAILED
    assert segment.last_error == f"rule.conditions[0].form: there is no form {form_id}"
    assert members(segment) == ["Bob"]


def test_deleting_a_segment_another_rule_names_is_refused(crowd, cast, make_segment):
    a = make_segment(MANUFACTURING, name="A")
    make_segment(
        {"match": "all", "conditions": [{"type": "segment", "op": "in", "segment": a.pk}]}, name="B"
    )
    with pytest.raises(InvalidInput) as refused:
        services.segment_delete(actor=cast.marketing_manager, segment=a)
    assert refused.value.errors == {"segment": "used by the rule of B"}


def test_exclusion_segments_are_subtracted_from_the_audience(crowd, make_segment):
    everyone = make_segment(
        {"match": "all", "conditions": [{"type": "score", "op": "gte", "value": 0}]},
        name="Everyone",
    )
    customers = make_segment(
        {
            "match": "all",
            "conditions": [{"type": "audience", "op": "any_of", "values": ["customer"]}],
        },
        name="Customers",
        is_exclusion=True,
    )
    competitors = make_segment(
        {
            "match": "all",
            "conditions": [{"type": "audience", "op": "any_of", "values": ["competitor"]}],
        },
        name="Competitors",
        is_exclusion=True,
    )
    audience = audience_contacts(segments=[everyone, customers], exclusions=[competitors])
    assert sorted(audience.values_list("first_name", flat=True)) == ["Bob", "Dee"]


def test_static_lists_are_not_rebuilt_and_have_no_rule(crowd, cast, make_segment):
    show = make_segment(None, name="Show", kind=Segment.Kind.STATIC)
    with pytest.raises(InvalidInput) as refused:
        services.segment_rebuild_request(actor=cast.marketer, segment=show)
    assert "static list" in refused.value.errors["segment"]
    with pytest.raises(InvalidInput) as no_rule:
        services.segment_update(actor=cast.marketer, segment=show, rule=MANUFACTURING)
    assert no_rule.value.errors == {"rule": "a static list has no rule"}


def test_names_are_unique_regardless_of_case(crowd, make_segment, cast):
    make_segment(MANUFACTURING, name="Makers")
    with pytest.raises(InvalidInput) as refused:
        services.segment_create(actor=cast.marketer, name="makers", rule=MANUFACTURING)
    assert refused.value.errors == {"name": "a segment called “makers” already exists"}


def test_sweep_rebuilds_only_segments_with_windows_and_samples_sizes(crowd, make_segment):
    engaged = make_segment(ENGAGED, name="Engaged")
    makers = make_segment(MANUFACTURING, name="Makers")
    later = NOW + dt.timedelta(days=40)
    results = rebuild.segments_refresh(now=later)
    assert list(results) == ["Engaged"]
    engaged.refresh_from_db()
    makers.refresh_from_db()
    assert (engaged.member_count, engaged.rebuilt_at) == (0, later)
    assert makers.rebuilt_at == NOW
    assert SegmentSize.objects.filter(segment=makers).count() == 2
