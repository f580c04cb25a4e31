"""The rule score: fit plus engagement, capped per kind, and the MQL threshold."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.handoff import scoring
from tandem.handoff import services as handoff
from tandem.people.lifecycle import Stage
from tests.factories import AccountFactory, ContactFactory


@pytest.mark.parametrize(
    ("title", "email", "expected"),
    [
        pytest.param("VP Operations", "a@corp.test", 25, id="senior-business"),
        pytest.param("Plant Manager", "a@corp.test", 18, id="manager-business"),
        pytest.param("", "a@gmail.com", 0, id="nobody-freemail"),
    ],
)
def test_fit_points(db, title, email, expected):
    contact = ContactFactory(title=title, email=email, account=None)

    assert scoring.score_of(contact) == expected


def test_known_company_profile_adds_points(db):
    contact = ContactFactory(
        title="", email="a@corp.test", account=AccountFactory(industry="Food", size_band="50-249")
    )

    lines = scoring.score_lines(contact)

    assert [(line.points, line.reason) for line in lines] == [
        (10, "business email address"),
        (5, "company profile known (Food, 50-249)"),
    ]


def test_engagement_is_capped_per_kind_and_forgets_old_touches(cast):
    contact = ContactFactory(title="", email="a@gmail.com", account=None)
    for _ in range(30):
        handoff.touch_log(contact=contact, kind="page_visit", channel="organic_search")
    handoff.touch_log(
        contact=contact,
        kind="email_click",
        channel="email",
        occurred_at=timezone.now() - dt.timedelta(days=120),
    )

    assert scoring.score_of(contact) == scoring.TOUCH_KIND_CAP
    assert contact.lifecycle_stage == Stage.SUBSCRIBER  # page views alone never make an MQL


def test_threshold_makes_an_mql(cast, settings):
    settings.TANDEM_MQL_THRESHOLD = 40
    contact = ContactFactory(title="", email="a@gmail.com", account=None)

    handoff.touch_log(contact=contact, kind="form_submission", channel="webinar")
    assert contact.lifecycle_stage == Stage.LEAD
    handoff.touch_log(contact=contact, kind="meeting", channel="events")

    contact.refresh_from_db()
    assert contact.lifecycle_stage == Stage.MQL
    assert contact.score == 55
    assert contact.leads.get().score_at_handoff == 55


@pytest.mark.parametrize(
    ("title", "points"),
    [
        pytest.param("VP Operations", 15, id="vp"),
        pytest.param("Chief Financial Officer", 15, id="chief"),
        pytest.param("CTO", 15, id="cto"),
        pytest.param("Head of Maintenance", 15, id="head-of"),
        pytest.param("Product Owner", 0, id="product-owner-not-senior"),
        pytest.param("Partner Manager", 8, id="partner-manager-is-a-manager"),
        pytest.param("Team Leader", 8, id="team-leader"),
        pytest.param("Developer", 0, id="developer"),
    ],
)
def test_seniority_reads_whole_words(db, title, points):
    contact = ContactFactory(title=title, email="a@gmail.com", account=None)

    assert scoring.score_of(contact) == points


def test_a_recycled_lead_re_earns_its_score_before_going_back_to_sales(cast, mql):
    # given a lead sales turned down as not ready
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="not_ready")
    contact = mql.contact
    contact.refresh_from_db()

    # when they open one email
    handoff.touch_log(contact=contact, kind="email_open", channel="email")

    # then they stay with marketing: old touches no longer count
    contact.refresh_from_db()
    assert contact.lifecycle_stage == Stage.RECYCLED
    assert contact.score == 27  # fit only (15 + 10) + the new open (2)
    assert contact.leads.count() == 1


def test_a_recycled_lead_who_fills_a_form_again_is_judged_on_new_touches_only(cast, mql):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="not_ready")
    contact = mql.contact
    contact.refresh_from_db()

    handoff.touch_log(contact=contact, kind="form_submission", channel="webinar")

    contact.refresh_from_db()
    # fit 25 + the new form 30 = 55: qualifies again on its own merit, with a second hand-off
    assert contact.score == 55
    assert contact.lifecycle_stage == Stage.MQL
    assert contact.leads.count() == 2
