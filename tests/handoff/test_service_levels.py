"""Both promises: first touch within working hours, cadence, marketing's quota; the SLA watch."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.collaboration.models import Notification
from tandem.handoff import service_levels
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead, ServiceLevel
from tandem.handoff.tasks import sla_check

TZ = dt.UTC


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        pytest.param("2026-06-15 10:00", 4, "2026-06-15 14:00", id="monday-same-day"),
        pytest.param("2026-06-15 15:00", 4, "2026-06-16 11:00", id="over-the-night"),
        pytest.param("2026-06-19 16:00", 4, "2026-06-22 12:00", id="over-the-weekend"),
        pytest.param("2026-06-20 11:00", 2, "2026-06-22 11:00", id="saturday-waits-for-monday"),
        pytest.param("2026-06-15 06:30", 1, "2026-06-15 10:00", id="before-opening"),
    ],
)
def test_first_touch_is_due_after_working_hours(settings, start, hours, due):
    settings.TIME_ZONE = "UTC"
    level = ServiceLevel(workday_start_hour=9, workday_end_hour=17)
    started = dt.datetime.fromisoformat(start).replace(tzinfo=TZ)

    result = service_levels.working_deadline(started, hours, level)

    assert result == dt.datetime.fromisoformat(due).replace(tzinfo=TZ)


def _period():
    now = timezone.now()
    return {"since": now - dt.timedelta(days=30), "until": now + dt.timedelta(days=1)}


def test_a_reps_call_keeps_the_promise_and_a_silent_lead_breaks_it(cast, submit):
    submit()
    submit(email="bo@beta.test", company="Beta")
    kept, broken = Lead.objects.order_by("id")
    handoff.touch_log(contact=kept.contact, kind="call", channel="sales", actor=cast.sales_rep)
    Lead.objects.filter(pk=broken.pk).update(
        first_touch_due_at=timezone.now() - dt.timedelta(hours=3)
    )

    report = service_levels.sales_promise(**_period())

    assert (report.met, report.breached, report.compliance) == (1, 1, 0.5)
    assert [b.lead.pk for b in report.breaches] == [broken.pk]
    assert report.breaches[0].overdue >= dt.timedelta(hours=3)
    assert [w.pk for w in report.waiting] == [broken.pk]
    (sam,) = report.reps
    assert (sam.rep, sam.met, sam.breached) == (cast.sales_rep, 1, 1)


def test_the_watch_warns_before_and_tells_the_manager_at_a_breach(
    cast, mql, smtp_inbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Lead.objects.filter(pk=mql.pk).update(first_touch_due_at=now + dt.timedelta(minutes=50))

    with django_capture_on_commit_callbacks(execute=True):
        first = sla_check(now=now)
        again = sla_check(now=now)
        late = sla_check(now=now + dt.timedelta(hours=1))

    assert first == {"warned": 1, "reassigned": 0, "breached": 0}
    assert again == {"warned": 0, "reassigned": 0, "breached": 0}
    assert late == {"warned": 0, "reassigned": 0, "breached": 1}
    kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == [("sam", "sla_breach"), ("sam", "sla_warning"), ("sue", "sla_breach")]
    subjects = sorted(m["subject"] for m in smtp_inbox.messages)
    assert any("due in 50 min" in s for s in subjects)
    assert sum("Service level broken" in s for s in subjects) == 2


def test_a_lead_about_to_break_the_promise_goes_to_another_rep(cast, mql):
    cast.teammate_rep.is_available_for_leads = True
    cast.teammate_rep.save()
    now = timezone.now()
    Lead.objects.filter(pk=mql.pk).update(first_touch_due_at=now + dt.timedelta(minutes=10))

    counts = sla_check(now=now)

    mql.refresh_from_db()
    assert counts["reassigned"] == 1
    assert mql.assigned_to == cast.teammate_rep
    assert mql.first_touch_due_at > now + dt.timedelta(minutes=10)


def test_marketings_promise_comes_from_the_revenue_goal(cast, mql):
    from tandem.sales import services as sales
    from tandem.sales.models import Deal

    ServiceLevel.objects.create(quarterly_revenue_goal=Decimal("100000"))
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount=Decimal("10000"))
    Lead.objects.update(handed_off_at=timezone.now() - dt.timedelta(days=200))
    Deal.objects.update(closed_at=timezone.now() - dt.timedelta(days=100))
    Lead.objects.create(
        contact=mql.contact, score_at_handoff=60, handed_off_at=timezone.now(),
        status=Lead.Status.REJECTED,
    )  # fmt: skip
    # a year back: one lead, one won deal of 10,000 → 10 leads owed for 100,000

    promise = service_levels.marketing_promise(
        since=timezone.now() - dt.timedelta(days=1), until=timezone.now() + dt.timedelta(days=1)
    )

    assert (promise.leads_needed, promise.leads_delivered, promise.progress) == (10, 1, 0.1)
    assert promise.acceptance_rate == 0.0
    assert "÷" in promise.explanation


def test_sla_notices_follow_the_inbox_and_the_email_preference(
    cast, mql, client, smtp_inbox, django_capture_on_commit_callbacks
):
    # given a rep who reads notifications in a daily digest
    from tandem.collaboration import services as collaboration
    from tandem.collaboration.tasks import digests_send

    collaboration.preference_set(actor=cast.sales_rep, email_mode="digest")
    now = timezone.now()
    Lead.objects.filter(pk=mql.pk).update(first_touch_due_at=now - dt.timedelta(minutes=5))

    # when the watch finds the breach
    with django_capture_on_commit_callbacks(execute=True):
        sla_check(now=now)

    # then the rep gets no email now; the manager (right away) does
    assert [m["To"] for m in smtp_inbox.messages] == [cast.sales_manager.email]
    # and the rep's inbox names the kind in words
    client.force_login(cast.sales_rep)
    page = client.get("/inbox/").content.decode()
    assert "Service level broken" in page and "sla_breach" not in page
    # and the digest carries it
    assert digests_send.call() == 1
    assert smtp_inbox.messages[-1]["To"] == cast.sales_rep.email
    assert "waited past the first-touch promise" in smtp_inbox.messages[-1].get_payload()


def test_only_declared_notification_kinds_are_sent(cast):
    from tandem.collaboration import services as collaboration

    with pytest.raises(ValueError, match="undeclared"):
        collaboration.notification_send(
            recipient=cast.sales_rep, kind="sla_mystery", text="?", url="/"
        )
    assert not Notification.objects.exists()


@pytest.fixture
def north_and_south(cast, submit):
    """Two leads: sam's (North) touched in time, otto's (South) past its first-touch promise."""
    submit()
    submit(email="bo@beta.test", company="Beta")
    kept, broken = Lead.objects.order_by("id")
    Lead.objects.filter(pk=broken.pk).update(
        assigned_to=cast.other_team_rep, first_touch_due_at=timezone.now() - dt.timedelta(hours=3)
    )
    handoff.touch_log(contact=kept.contact, kind="call", channel="sales", actor=cast.sales_rep)
    return kept, broken


def test_sales_promise_is_measured_per_team(cast, north_and_south):
    report = service_levels.sales_promise(**_period())

    assert [
        (str(t.team), t.handed_off, t.met, t.breached, t.waiting, t.compliance)
        for t in report.teams
    ] == [("Sales North", 1, 1, 0, 0, 1.0), ("Sales South", 1, 0, 1, 1, 0.0)]
    south = service_levels.sales_promise(**_period(), team_id=cast.other_team_rep.team_id)
    assert (south.handed_off, south.breached) == (1, 1)


def test_the_sla_page_shows_each_team(client, cast, north_and_south):
    client.force_login(cast.marketer)

    page = client.get(reverse("handoff:sla"), {"period": "month"}).content.decode()

    table = page[page.index('id="by-team"') : page.index('id="by-rep"')]
    assert '<th scope="row">Sales North</th><td class="num">1</td><td class="num">1</td>' in table
    assert (
        '<th scope="row">Sales South</th><td class="num">1</td><td class="num">0</td>'
        '<td class="num">1</td><td class="num">0%</td>'
    ) in table


def test_the_service_levels_api_gives_each_team(cast, api, north_and_south):
    body = api("sales_manager").get("/handoff/service-levels", period="month").json()

    assert body["sales"]["teams"] == [
        {
            "team_id": cast.sales_rep.team_id,
            "team": "Sales North",
            "handed_off": 1,
            "met": 1,
            "breached": 0,
            "waiting": 0,
            "compliance": 1.0,
            "cadence": None,
        },
        {
            "team_id": cast.other_team_rep.team_id,
            "team": "Sales South",
            "handed_off": 1,
            "met": 0,
            "breached": 1,
            "waiting": 1,
            "compliance": 0.0,
            "cadence": None,
        },
    ]


@pytest.fixture
def goal_of_100k(cast, mql):
    """A quarterly goal of 100,000; a year back one lead and one won deal of 10,000 from it:
    10 qualified leads owed a quarter. One more lead handed off now."""
    from tandem.sales import services as sales
    from tandem.sales.models import Deal

    ServiceLevel.objects.create(quarterly_revenue_goal=Decimal("100000"))
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount=Decimal("10000"))
    Lead.objects.update(handed_off_at=timezone.now() - dt.timedelta(days=300))
    Deal.objects.update(closed_at=timezone.now() - dt.timedelta(days=250))
    Lead.objects.create(
        contact=mql.contact, score_at_handoff=60, handed_off_at=timezone.now(),
        status=Lead.Status.WAITING,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("period", "needed", "goal"),
    [
        ("week", 1, Decimal("7692.31")),  # 100,000 / 13 / 10,000 = 0.77 → 1
        ("month", 4, Decimal("33333.33")),  # 3.33 → 4
        ("quarter", 10, Decimal("100000.00")),
        ("6m", 20, Decimal("200000.00")),
    ],
)
def test_marketings_promise_is_scaled_to_the_period(goal_of_100k, period, needed, goal):
    from tandem.core.periods import period_for

    span = period_for(period)

    promise = service_levels.marketing_promise(since=span.start, until=span.end, period=period)

    assert (promise.leads_needed, promise.period_revenue_goal) == (needed, goal)
    assert (promise.leads_delivered, promise.progress) == (1, 1 / needed)


def test_the_sla_page_says_how_the_goal_is_scaled(client, cast, goal_of_100k):
    client.force_login(cast.marketing_manager)

    page = client.get(reverse("handoff:sla"), {"period": "month"}).content.decode()

    assert "a week is 1/13 of a quarter, a month 1/3" in page
    assert "This month: 33,333 of the 100,000 quarterly goal." in page
    assert (
        "100,000 quarterly revenue goal × 1/3 (a month is 1/3 of a quarter) = 33,333 revenue ÷ "
        "10,000 average won deal ÷ 100.0% of leads won = 4 qualified leads"
    ) in page
    assert '<div class="value" data-metric="needed">4</div>' in page


def test_the_service_levels_api_scales_marketings_promise(api, goal_of_100k):
    body = api("marketer").get("/handoff/service-levels", period="month").json()["marketing"]

    assert (body["revenue_goal"], body["period_revenue_goal"]) == (100000.0, 33333.33)
    assert body["quarters"] == pytest.approx(1 / 3)
    assert (body["leads_needed"], body["leads_delivered"]) == (4, 1)
