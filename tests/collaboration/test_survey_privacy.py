"""No answer can be traced to a person by a sales reader, even by subtracting groups."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.collaboration import survey_selectors as selectors
from tandem.segments.models import Segment, SegmentMember
from tests.collaboration.test_surveys import _answers, a_customer, answer


def test_a_group_under_five_is_hidden():
    groups = {"All": set(range(10)), "Few": {0, 1}}

    assert selectors.hidden_groups(groups, set(range(10))) == {"Few"}


def test_a_partition_hides_one_more_group_when_the_total_would_give_the_small_one_away():
    # given a total of 13 and groups of 6, 5 and 2: hiding only the 2 lets total − 6 − 5 = 2
    total = set(range(13))
    groups = {"A": set(range(6)), "B": set(range(6, 11)), "C": {11, 12}}

    hidden = selectors.hidden_groups(groups, total)

    # then the smallest visible group is withheld too: the hidden pool is 7, not 2
    assert hidden == {"B", "C"}


def test_two_overlapping_groups_differing_by_fewer_than_five_hide_the_smaller():
    total = set(range(20))
    groups = {"Big": set(range(20)), "Nearly": set(range(18))}

    assert selectors.hidden_groups(groups, total) == {"Nearly"}


def test_two_overlapping_groups_whose_overlap_is_small_hide_one():
    # given A (10) and B (13) covering all 20 answers, overlapping in 3: A + B − total = the 3
    total = set(range(20))
    groups = {"A": set(range(10)), "B": set(range(7, 20))}

    assert selectors.hidden_groups(groups, total) == {"A"}


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from("ABCDEF"),
        st.sets(st.integers(0, 25), max_size=26),
        max_size=6,
    )
)
def test_no_visible_group_lets_fewer_than_five_answers_be_isolated(groups):
    total = set().union(*groups.values()) if groups else set()

    hidden = selectors.hidden_groups(groups, total)

    visible = [ids for label, ids in groups.items() if label not in hidden]
    assert all(len(ids) >= selectors.MIN_GROUP for ids in visible)
    union = set().union(*visible) if visible else set()
    assert len(total - union) == 0 or len(total - union) >= selectors.MIN_GROUP or not visible
    for a in visible:
        for b in visible:
            assert len(a - b) == 0 or len(a - b) >= selectors.MIN_GROUP
    # every set a reader can compute by adding and subtracting the visible groups and the
    # total is a union of atoms (answers in exactly the same visible groups): none is small
    atoms: dict[frozenset[int], int] = {}
    for rid in total:
        key = frozenset(i for i, ids in enumerate(visible) if rid in ids)
        atoms[key] = atoms.get(key, 0) + 1
    assert all(n >= selectors.MIN_GROUP for n in atoms.values()) or not visible


@pytest.fixture
def open_survey(cast):
    from tandem.collaboration import survey_services as services
    from tests.collaboration.test_surveys import QUESTIONS

    survey = services.survey_create(
        actor=cast.marketer, title="How are we doing?", questions=QUESTIONS, allows_anonymous=True
    )
    services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    survey.refresh_from_db()
    return survey


def _segment(name: str, contacts) -> Segment:
    segment = Segment.objects.create(name=name, kind=Segment.Kind.STATIC)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact=c, added_at=dt.datetime.now(dt.UTC))
        for c in contacts
    )
    return segment


def test_nps_by_segment_for_marketing_and_protected_for_sales(cast, open_survey):
    # given seven named answers; segment North holds six of them, South one
    people = [a_customer(cast, n) for n in range(1, 8)]
    for person, score in zip(people, [10, 10, 9, 8, 3, 10, 0], strict=True):
        answer(open_survey, person, nps=score)
    _segment("North", people[:6])
    _segment("South", people[6:])

    full = selectors.survey_results(user=cast.marketer, survey=open_survey).questions[0]
    sales = selectors.survey_results(user=cast.sales_rep, survey=open_survey).questions[0]

    assert [(g.label, g.answers, g.nps.score) for g in full.by_segment] == [
        ("North", 6, 50),
        ("South", 1, -100),
    ]
    # for sales: South is too small, and North is withheld too, for total 7 − North 6 = South
    assert [(g.label, g.answers, g.nps) for g in sales.by_segment] == [
        ("North", 6, None),
        ("South", 1, None),
    ]
    assert sales.nps.score == 29  # the whole question (7 answers) is still shown


def test_the_survey_page_says_why_a_large_group_is_withheld(cast, open_survey, client):
    people = [a_customer(cast, n) for n in range(1, 8)]
    for person in people:
        answer(open_survey, person, nps=9)
    _segment("North", people[:6])
    _segment("South", people[6:])
    client.force_login(cast.sales_rep)

    page = client.get(f"/surveys/{open_survey.pk}/").content.decode()

    assert "NPS by segment" in page and "withheld" in page and "fewer than 5" in page


def test_survey_can_be_sent_to_a_segment(cast, open_survey, smtp_inbox):
    people = [a_customer(cast, n, audience=("prospect",)) for n in range(20, 23)]
    segment = _segment("Trade show", people[:2])
    from tandem.collaboration import survey_services as services

    sent = services.survey_send(actor=cast.marketer, survey=open_survey, segment_id=segment.pk)

    assert sorted(i.contact.email for i in sent) == ["customer20@acme.test", "customer21@acme.test"]


_ = _answers  # the scenario helpers are shared with test_surveys
