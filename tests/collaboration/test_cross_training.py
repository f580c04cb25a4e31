"""Cross-training: people from one team in the other's work, debriefed and counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tandem.collaboration import selectors, services
from tandem.collaboration.models import Assignment, Notification
from tandem.errors import InvalidInput
from tests.factories import CampaignFactory

Q3_START = dt.date(2026, 7, 6)


@pytest.fixture
def webinar(cast):
    return CampaignFactory(name="Autumn webinar", owner=cast.marketer, channel="webinar")


def _observe(cast, deal, who, starts_on=Q3_START):
    return services.assignment_create(
        actor=cast.sales_rep,
        person=who,
        target=deal,
        goal="Hear the customer's objections first-hand",
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=14),
    )


def test_a_rep_invites_a_marketer_to_observe_a_deal_and_she_is_told(cast, deal):
    assignment = _observe(cast, deal, cast.marketer)

    assert (assignment.role, assignment.status, assignment.person_team_kind) == (
        "observer",
        "planned",
        "marketing",
    )
    notification = Notification.objects.get()
    assert notification.recipient == cast.marketer
    assert notification.text == (
        f"{cast.sales_rep} asked you to join deal Acme rollout as observer: "
        "Hear the customer's objections first-hand"
    )
    # shown on both people's pages
    assert list(selectors.assignments_for(user=cast.marketer)) == [assignment]
    assert list(selectors.assignments_for(user=cast.sales_rep)) == [assignment]


def test_a_campaign_owner_invites_a_rep_to_contribute(cast, webinar):
    assignment = services.assignment_create(
        actor=cast.marketer,
        person=cast.other_team_rep,
        target=webinar,
        goal="Write the questions customers ask",
        starts_on="2026-07-01",
        ends_on="2026-07-31",
    )

    assert (assignment.role, assignment.person_team_kind) == ("contributor", "sales")


@pytest.mark.parametrize(
    ("who", "errors"),
    [
        pytest.param(
            "teammate_rep", {"person": "a deal takes an observer from marketing"}, id="same-team"
        ),
        pytest.param(
            "employee", {"person": "a deal takes an observer from marketing"}, id="employee"
        ),
    ],
)
def test_only_the_other_team_is_cross_trained(cast, deal, who, errors):
    with pytest.raises(InvalidInput) as refused:
        _observe(cast, deal, cast.by_role(who))
    assert refused.value.errors == errors


def test_only_someone_who_may_change_the_deal_invites(cast, deal):
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=cast.other_team_rep,
            person=cast.marketer,
            target=deal,
            goal="x",
            starts_on=Q3_START,
            ends_on=Q3_START,
        )


def test_dates_must_be_in_order(cast, deal):
    with pytest.raises(InvalidInput) as refused:
        services.assignment_create(
            actor=cast.sales_rep,
            person=cast.marketer,
            target=deal,
            goal="x",
            starts_on="2026-07-10",
            ends_on="2026-07-01",
        )
    assert refused.value.errors == {"ends_on": "must be on or after the start date"}


def test_completing_needs_a_debrief(cast, deal):
    assignment = _observe(cast, deal, cast.marketer)

    with pytest.raises(InvalidInput) as refused:
        services.assignment_complete(actor=cast.marketer, assignment=assignment, debrief=" ")
    assert refused.value.errors == {"debrief": "write something first"}

    services.assignment_complete(
        actor=cast.marketer, assignment=assignment, debrief="They fear the migration effort."
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.debrief) == (
        "completed",
        "They fear the migration effort.",
    )


def test_a_stranger_may_not_complete_someone_elses_assignment(cast, deal):
    assignment = _observe(cast, deal, cast.marketer)

    with pytest.raises(PermissionDenied):
        services.assignment_complete(
            actor=cast.marketing_manager, assignment=assignment, debrief="done"
        )


def test_counts_per_person_and_team_per_quarter(cast, deal, webinar):
    # given in Q3: two observations by mia (one completed), one by max, one cancelled,
    # one contribution by otto; and one observation in Q4
    done = _observe(cast, deal, cast.marketer)
    services.assignment_complete(actor=cast.marketer, assignment=done, debrief="Learnt a lot")
    _observe(cast, deal, cast.marketer, starts_on=dt.date(2026, 9, 30))
    _observe(cast, deal, cast.marketing_manager)
    cancelled = _observe(cast, deal, cast.marketing_manager)
    services.assignment_cancel(actor=cast.sales_rep, assignment=cancelled)
    services.assignment_create(
        actor=cast.marketer,
        person=cast.other_team_rep,
        target=webinar,
        goal="Questions customers ask",
        starts_on=dt.date(2026, 8, 1),
        ends_on=dt.date(2026, 8, 2),
    )
    _observe(cast, deal, cast.marketer, starts_on=dt.date(2026, 10, 1))

    # when the quarter holding 15 August is counted
    counts = selectors.cross_training_counts(day=dt.date(2026, 8, 15))

    # then
    assert (counts.start, counts.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert counts.by_team == {"marketing": 3, "sales": 1}
    assert counts.completed_by_team == {"marketing": 1, "sales": 0}
    assert counts.total == 4
    assert [(p.person, p.team, p.assignments, p.completed) for p in counts.by_person] == [
        (str(cast.marketer), "marketing", 2, 1),
        (str(cast.marketing_manager), "marketing", 1, 0),
        (str(cast.other_team_rep), "sales", 1, 0),
    ]
    assert Assignment.objects.count() == 6


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        pytest.param(dt.date(2026, 1, 1), (dt.date(2026, 1, 1), dt.date(2026, 3, 31)), id="q1"),
        pytest.param(dt.date(2026, 12, 31), (dt.date(2026, 10, 1), dt.date(2026, 12, 31)), id="q4"),
    ],
)
def test_quarter_bounds(day, bounds):
    assert selectors.quarter_of(day) == bounds


def test_the_inbox_shows_the_assignment_and_completes_it_with_a_debrief(cast, deal, login):
    assignment = _observe(cast, deal, cast.marketer)
    client = login(cast.marketer)

    assert (
        "Hear the customer&#x27;s objections first-hand" in client.get("/inbox/").content.decode()
    )
    client.post(f"/inbox/assignments/{assignment.pk}/", {"action": "complete", "debrief": "Useful"})

    assignment.refresh_from_db()
    assert (assignment.status, assignment.debrief) == ("completed", "Useful")


def test_the_invite_page_creates_an_assignment(cast, deal, login):
    client = login(cast.sales_rep)
    assert client.get(f"/inbox/assignments/new/deal/{deal.pk}/").status_code == 200

    response = client.post(
        f"/inbox/assignments/new/deal/{deal.pk}/",
        {
            "person": cast.marketer.pk,
            "goal": "Sit in on the demo",
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-02",
        },
    )

    assert response.status_code == 302
    assert Assignment.objects.get().person == cast.marketer


def test_the_shared_page_counts_cross_training_this_quarter(cast, deal, login):
    _observe(cast, deal, cast.marketer, starts_on=timezone.localdate())

    page = login(cast.sales_manager).get("/shared/").content.decode()

    assert "Cross-training this quarter" in page
    assert "1 by marketing in sales' work (0 debriefed), 0 by sales in marketing's work" in page


@pytest.fixture
def battlecard(cast):
    from tandem.marketing import content

    return content.asset_create(
        actor=cast.marketer, title="Battlecard", kind="battlecard", link="https://x.test/b"
    )


def test_a_content_owner_puts_a_rep_on_a_content_piece_through_its_page(
    cast, battlecard, login, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(cast.marketer)
    page = client.get(f"/marketing/content/{battlecard.pk}/").content.decode()
    assert "Invite a sales rep to contribute" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/inbox/assignments/new/content_asset/{battlecard.pk}/",
            {
                "person": str(cast.sales_rep.pk),
                "goal": "Add the objections you hear",
                "starts_on": "2026-07-01",
                "ends_on": "2026-07-31",
            },
        )

    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.target, assignment.role, assignment.person_team_kind) == (
        battlecard,
        "contributor",
        "sales",
    )
    notification = Notification.objects.get()
    assert (notification.recipient, notification.url) == (
        cast.sales_rep,
        f"/marketing/content/{battlecard.pk}/",
    )
    assert [m.to for m in mailoutbox] == [[cast.sales_rep.email]]
    assert "content Battlecard" in login(cast.sales_rep).get("/inbox/").content.decode()


@pytest.mark.parametrize(
    ("actor", "person", "refusal"),
    [
        pytest.param("marketer", "marketing_manager", InvalidInput, id="marketer-on-content"),
        pytest.param("sales_rep", "sales_rep", PermissionDenied, id="rep-may-not-change-it"),
    ],
)
def test_only_a_content_owner_invites_and_only_sales_contributes(
    cast, battlecard, actor, person, refusal
):
    with pytest.raises(refusal):
        services.assignment_create(
            actor=cast.by_role(actor),
            person=cast.by_role(person),
            target=battlecard,
            goal="Help",
            starts_on="2026-07-01",
            ends_on="2026-07-31",
        )
    assert Assignment.objects.count() == 0


def test_a_content_piece_assignment_counts_for_sales_in_the_quarter(cast, battlecard):
    services.assignment_create(
        actor=cast.marketer,
        person=cast.sales_rep,
        target=battlecard,
        goal="Help",
        starts_on=Q3_START,
        ends_on=Q3_START,
    )

    assert selectors.cross_training_counts(day=Q3_START).by_team == {"marketing": 0, "sales": 1}
