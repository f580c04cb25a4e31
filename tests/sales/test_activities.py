"""Activities: calls, meetings, emails and tasks on deals and contacts; a rep's day."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tandem.dashboards.timeline import timeline
from tandem.errors import InvalidInput
from tandem.sales import activity_selectors, selectors
from tandem.sales import activity_services as activities


def test_a_done_call_and_a_task_due_later_are_logged_on_the_deal_and_contact(cast, deal, buyer):
    call = activities.activity_log(
        actor=cast.sales_rep,
        deal=deal,
        kind="call",
        subject="Discovery call",
        is_done=True,
        outcome="connected",
    )
    task = activities.activity_log(
        actor=cast.sales_rep,
        deal=deal,
        kind="task",
        subject="Send pricing",
        due_at="2030-01-02T10:00",
    )

    assert (call.contact, call.outcome, call.is_done) == (buyer, "connected", True)
    assert (task.is_done, task.due_at.date()) == (False, dt.date(2030, 1, 2))
    entries = [(e.kind, e.title) for e in timeline(user=cast.marketer, contact=buyer)]
    assert ("activity-call", "Call") in entries
    assert ("activity-task", "Task (to do)") in entries
    assert [e.title for e in selectors.deal_timeline(deal=deal)][:2] == [
        "Task: Send pricing (to do)",
        "Call: Discovery call",
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "fax", "subject": "x", "is_done": True}, "kind"),
        ({"kind": "call", "subject": " ", "is_done": True}, "subject"),
        ({"kind": "call", "subject": "x"}, "due_at"),
        ({"kind": "call", "subject": "x", "due_at": "tomorrow"}, "due_at"),
        ({"kind": "call", "subject": "x", "is_done": True, "outcome": "great"}, "outcome"),
    ],
)
def test_bad_activities_name_the_field(cast, deal, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        activities.activity_log(actor=cast.sales_rep, deal=deal, **kwargs)

    assert list(exc.value.errors) == [field]


@pytest.mark.parametrize("role", ["other_team_rep", "marketer"])
def test_others_may_not_log_on_a_reps_deal(cast, deal, role):
    with pytest.raises(PermissionDenied):
        activities.activity_log(
            actor=cast.by_role(role), deal=deal, kind="call", subject="x", is_done=True
        )


def test_only_the_owner_or_their_manager_completes_it(cast, deal):
    task = activities.activity_log(
        actor=cast.sales_rep, deal=deal, kind="task", subject="Quote", due_at="2030-01-02"
    )

    with pytest.raises(PermissionDenied):
        activities.activity_complete(actor=cast.other_team_rep, activity=task)
    activities.activity_complete(actor=cast.sales_manager, activity=task, outcome="done")

    assert task.is_done


def test_the_day_view_sorts_overdue_today_and_next(cast, deal):
    now = timezone.localtime()
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    for subject, due in (
        ("Late", noon - dt.timedelta(days=2)),
        ("Today", noon),
        ("Soon", noon + dt.timedelta(days=3)),
        ("Far", noon + dt.timedelta(days=30)),
    ):
        activities.activity_log(
            actor=cast.sales_rep, deal=deal, kind="task", subject=subject, due_at=due
        )
    done = activities.activity_log(
        actor=cast.sales_rep, deal=deal, kind="email", subject="Sent", is_done=True
    )
    activities.activity_log(
        actor=cast.teammate_rep,
        contact=deal.contact,
        kind="call",
        subject="Not mine",
        due_at=noon,
    )

    day = activity_selectors.day_view(user=cast.sales_rep, now=noon)

    assert [a.subject for a in day.overdue] == ["Late"]
    assert [a.subject for a in day.today] == ["Today"]
    assert [a.subject for a in day.upcoming] == ["Soon"]
    assert day.done_today == [done]


def test_a_rep_logs_and_completes_through_the_pages(cast, deal, client_for):
    client = client_for(cast.sales_rep)
    client.post(
        f"/sales/deals/{deal.pk}/activities/",
        {"kind": "meeting", "subject": "Demo", "due_at": "2030-05-05T14:00"},
    )
    (meeting,) = activity_selectors.activities_for_user(user=cast.sales_rep, deal_id=deal.pk)

    client.post(f"/sales/activities/{meeting.pk}/done/", {"outcome": "rescheduled"})

    meeting.refresh_from_db()
    assert (meeting.kind, meeting.outcome, meeting.is_done) == ("meeting", "rescheduled", True)
