"""No answer can be traced to a person: not from a small group, not by subtracting groups, and
not by looking before and after one new answer (figures move in released steps of five)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.collaboration import survey_selectors as selectors
from tandem.collaboration.survey_releases import MIN_GROUP, Atoms
from tandem.segments.models import Segment, SegmentMember
from tests.collaboration.test_surveys import a_customer, answer

# ------------------------------------------------------------------ the atoms of a release


def _publish(sets: list[set[int]]) -> list[bool]:
    atoms = Atoms()
    admitted = []
    for ids in sets:
        ok = len(ids) >= MIN_GROUP and atoms.admits(ids)
        if ok:
            atoms.add(ids)
        admitted.append(ok)
    return admitted


def test_a_group_under_five_is_not_published():
    assert _publish([set(range(10)), {0, 1}]) == [True, False]


def test_a_partition_keeps_back_a_group_the_total_would_give_away():
    # given a total of 13 and groups of 6, 5 and 2: showing 6 and 5 gives 13 − 6 − 5 = 2
    total = set(range(13))

    assert _publish([total, set(range(6)), set(range(6, 11)), {11, 12}]) == [
        True,
        True,
        False,  # 13 − 6 − 5 would leave the 2
        False,
    ]


def test_two_overlapping_groups_differing_by_fewer_than_five_publish_only_one():
    assert _publish([set(range(20)), set(range(18))]) == [True, False]


def test_two_overlapping_groups_whose_overlap_is_small_publish_only_one():
    # A (10) and B (13) cover all 20 answers and overlap in 3: A + B − total = the 3
    assert _publish([set(range(20)), set(range(10)), set(range(7, 20))]) == [True, True, False]


def test_a_later_release_that_adds_one_answer_to_a_group_is_refused():
    # given a group of 7 published, then the same group with one new answer
    assert _publish([set(range(7)), set(range(8))]) == [True, False]
    # while five new answers may be published
    assert _publish([set(range(7)), set(range(12))]) == [True, True]


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(st.lists(st.sets(st.integers(0, 30), max_size=31), max_size=10))
def test_whatever_is_published_no_fewer_than_five_answers_can_be_isolated(sets):
    admitted = _publish(sets)

    # every set a reader can compute by adding and subtracting the published ones (in any
    # release) is a union of atoms: answers in exactly the same published sets; none is small
    published = [ids for ids, ok in zip(sets, admitted, strict=True) if ok]
    atoms: dict[frozenset[int], int] = {}
    for answer_id in set().union(*published) if published else set():
        key = frozenset(i for i, ids in enumerate(published) if answer_id in ids)
        atoms[key] = atoms.get(key, 0) + 1
    assert all(n >= MIN_GROUP for n in atoms.values())


# ---------------------------------------------------------------------- a survey, its doors


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


def _look(door: str, reader: str, cast, survey, login, api) -> str:
    """What ``reader`` sees of the survey's figures through ``door``, as text."""
    if door == "page":
        page = login(cast.by_role(reader)).get(f"/surveys/{survey.pk}/").content.decode()
        return page.split('<div class="grid2"><section>')[1].split("</section>")[0]
    if door == "api":
        response = api(reader).get(f"/surveys/{survey.pk}/results")
        assert response.status_code == 200
        return response.content.decode()
    page = login(cast.by_role(reader)).get("/shared/").content.decode()
    found = re.search(r'<h2 id="nps-trend">.*?</(table|p)>', page, re.S)
    assert found
    return found.group(0)


DOORS = [
    pytest.param(door, reader, id=f"{door}-{reader}")
    for door in ("page", "api", "shared")
    for reader in ("sales_rep", "marketer")
]


@pytest.mark.parametrize(("door", "reader"), DOORS)
def test_one_new_answer_changes_nothing_visible_and_five_do(
    cast, open_survey, login, api, door, reader
):
    # given five customers in segment North answered: released
    people = [a_customer(cast, n) for n in range(1, 12)]
    _segment("North", people)
    for person in people[:5]:
        answer(open_survey, person, nps=9, rating=4)
    before = _look(door, reader, cast, open_survey, login, api)

    # when one more answers (a detractor, to be noticed)
    answer(open_survey, people[5], nps=0, rating=1, single="Fit")
    after_one = _look(door, reader, cast, open_survey, login, api)
    # and four more after that: five since the release
    for person in people[6:10]:
        answer(open_survey, person, nps=0, rating=1, single="Fit")
    after_five = _look(door, reader, cast, open_survey, login, api)

    # then the one answer changed nothing anyone sees; the five did
    assert after_one == before
    assert after_five != before
    north = selectors.survey_results(user=cast.by_role(reader), survey=open_survey)
    [group] = north.questions[0].by_segment
    assert (group.label, group.answers, group.nps.score) == ("North", 10, 0)


@pytest.mark.parametrize(("door", "reader"), [d for d in DOORS if d.id.startswith(("page", "api"))])
def test_a_group_under_five_shows_neither_count_nor_figures(
    cast, open_survey, login, api, door, reader
):
    # given five answers, three of them from segment North
    people = [a_customer(cast, n) for n in range(1, 6)]
    _segment("North", people[:3])
    for person, score in zip(people, [10, 10, 10, 0, 0], strict=True):
        answer(open_survey, person, nps=score)

    seen = _look(door, reader, cast, open_survey, login, api)

    # then North is named, with "fewer than 5 answers" and no count nor score
    if door == "page":
        row = re.search(r"<td>North</td>(.*?)</tr>", seen, re.S)
        assert row and "fewer than 5 answers" in row.group(1)
        assert re.search(r">\s*3\s*<", row.group(1)) is None
    else:
        north = [
            g
            for g in __import__("json").loads(seen)["questions"][0]["by_segment"]
            if g["label"] == "North"
        ]
        assert north == [{"label": "North", "status": "fewer", "answers": None, "nps": None}]


@pytest.mark.parametrize("reader", ["sales_rep", "marketer"])
def test_the_shared_page_leaves_out_a_month_of_fewer_than_five_answers(
    cast, open_survey, login, api, reader
):
    for n in range(1, 5):
        answer(open_survey, a_customer(cast, n), nps=10)

    seen = _look("shared", reader, cast, open_survey, login, api)

    assert "No survey answers in the last twelve months" in seen
    assert selectors.nps_trend(since=dt.date(2000, 1, 1)) == []


def test_a_group_that_would_isolate_a_few_answers_is_withheld_and_says_so(cast, open_survey, login):
    # given five answers released, one of them from North; then five more, four from North
    people = [a_customer(cast, n) for n in range(1, 11)]
    _segment("North", [people[0], *people[5:9]])
    for person in people:
        answer(open_survey, person, nps=9)

    sales = selectors.survey_results(user=cast.sales_rep, survey=open_survey).questions[0]

    # then North (5) is withheld: with the first release it would single out the one
    assert [(g.label, g.status, g.answers, g.nps) for g in sales.by_segment] == [
        ("North", "withheld", None, None)
    ]
    assert sales.answers == 10
    page = login(cast.sales_rep).get(f"/surveys/{open_survey.pk}/").content.decode()
    assert "NPS by segment" in page and "withheld" in page


def test_groups_are_frozen_at_their_release(cast, open_survey):
    # given five North answers released, then a sixth from South that waits
    people = [a_customer(cast, n) for n in range(1, 7)]
    north = _segment("North", people[:5])
    for person in people:
        answer(open_survey, person, nps=9)
    # when a respondent leaves North afterwards
    SegmentMember.objects.filter(segment=north, contact=people[0]).delete()

    result = selectors.survey_results(user=cast.marketer, survey=open_survey).questions[0]

    # then nobody sees North move until the next release
    assert [(g.label, g.answers) for g in result.by_segment] == [("North", 5)]


def test_survey_can_be_sent_to_a_segment(cast, open_survey, smtp_inbox):
    people = [a_customer(cast, n, audience=("prospect",)) for n in range(20, 23)]
    segment = _segment("Trade show", people[:2])
    from tandem.collaboration import survey_services as services

    sent = services.survey_send(actor=cast.marketer, survey=open_survey, segment_id=segment.pk)

    assert sorted(i.contact.email for i in sent) == ["customer20@acme.test", "customer21@acme.test"]
