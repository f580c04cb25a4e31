"""The rule score: fit plus engagement, capped per kind, and the MQL threshold."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.handoff import rescoring, scoring
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


# --- Decay, daily caps, grades, configuration, the full recompute ----------------------------

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def _touch(contact, kind: str, days_ago: float, n: int = 1):
    from tandem.people.models import Touch

    for _ in range(n):
        Touch.objects.create(
            contact=contact, kind=kind, occurred_at=NOW - dt.timedelta(days=days_ago)
        )


def _nobody():
    return ContactFactory(title="", email="a@gmail.com", account=None)


@pytest.mark.parametrize(
    ("half_life", "days_ago", "expected"),
    [
        pytest.param(30, 0, 30, id="today-full"),
        pytest.param(30, 30, 15, id="one-half-life"),
        pytest.param(30, 60, 8, id="two-half-lives-7.5-rounds-up"),
        pytest.param(10, 30, 4, id="three-half-lives-3.75"),
        pytest.param(0, 80, 30, id="no-decay"),
        pytest.param(30, 91, 0, id="outside-the-window"),
    ],
)
def test_engagement_halves_every_half_life(db, half_life, days_ago, expected):
    from tandem.handoff.models import ScoringProfile

    ScoringProfile.objects.create(half_life_days=half_life)
    contact = _nobody()
    _touch(contact, "form_submission", days_ago)

    assert scoring.score_contact(contact, now=NOW).engagement == expected


def test_decayed_points_are_exact_before_rounding(db):
    """Whole half-lives halve exactly: nothing is lost to rounding until the total."""
    from tandem.handoff.models import ScoringProfile, TouchWeight

    ScoringProfile.objects.create(half_life_days=10)
    TouchWeight.objects.create(kind="page_visit", points=3, daily_cap=12)
    contact = _nobody()
    _touch(contact, "page_visit", 0, n=10)  # 30 points, capped at 12
    _touch(contact, "page_visit", 10, n=2)  # 6 points, one half-life: 3
    _touch(contact, "email_open", 20, n=3)  # 6 points, two half-lives: 1.5
    _touch(contact, "email_click", 30, n=1)  # 8 points, three half-lives: 1
    prof = scoring.profile()
    touches = scoring.window_touches(contact.pk, since=NOW - dt.timedelta(days=90), now=NOW)

    by_kind = scoring.engagement_by_kind(touches, NOW, prof)

    assert by_kind == {"page_visit": (15.0, 12), "email_open": (1.5, 3), "email_click": (1.0, 1)}
    assert scoring.decay_factor(5, 10) == 2**-0.5


def test_the_daily_cap_applies_per_kind_per_day_before_decay(db):
    from tandem.handoff.models import ScoringProfile, TouchWeight

    ScoringProfile.objects.create(half_life_days=10)
    TouchWeight.objects.create(kind="page_visit", points=3, daily_cap=12)
    contact = _nobody()
    _touch(contact, "page_visit", 0, n=10)  # 30 points, capped at 12
    _touch(contact, "page_visit", 10, n=2)  # 6 points, halved: 3
    _touch(contact, "email_open", 20, n=3)  # 6 points (cap 40), quartered: 1.5

    score = scoring.score_contact(contact, now=NOW)

    assert score.engagement == 17  # 12 + 3 + 1.5 = 16.5, half up
    assert [(line.points, line.reason) for line in score.lines] == [
        (15, "page visit ×12 in the last 90 days"),
        (2, "email opened ×3 in the last 90 days"),
    ]


@pytest.mark.parametrize(
    ("title", "email", "industry", "touches", "grade"),
    [
        pytest.param(
            "VP Sales",
            "a@corp.test",
            "Food",
            ["form_submission", "meeting", "event"],
            "A1",
            id="senior-known-hot",
        ),
        pytest.param("VP Sales", "a@corp.test", "", ["form_submission"], "B2", id="warm"),
        pytest.param("Plant Manager", "a@corp.test", "", ["call"], "C3", id="manager-cool"),
        pytest.param("", "a@gmail.com", "", [], "D4", id="nobody"),
    ],
)
def test_grade_is_fit_letter_and_engagement_band(db, title, email, industry, touches, grade):
    account = AccountFactory(industry=industry, size_band="50-249") if industry else None
    contact = ContactFactory(title=title, email=email, account=account)
    for kind in touches:
        _touch(contact, kind, 0)

    assert scoring.score_contact(contact, now=NOW).grade == grade


def test_configured_icp_rules_replace_the_defaults(db):
    from tandem.handoff.models import IcpRule

    IcpRule.objects.create(
        kind="field_in", field="account.industry", values=["Food"], points=20, label="food"
    )
    IcpRule.objects.create(
        kind="audience", field="contact.audience", values=["competitor"], points=-50,
        label="competitor",
    )  # fmt: skip
    food = ContactFactory(title="VP", account=AccountFactory(industry="Food"))
    rival = ContactFactory(audience_flags=4 | 1, account=AccountFactory(industry="Metal"))

    assert scoring.score_contact(food, now=NOW).fit == 20
    assert scoring.score_contact(rival, now=NOW).fit == -50


@pytest.mark.parametrize(
    ("kind", "field", "values", "bad"),
    [
        pytest.param("field_in", "account.revenue", ["1M"], "field", id="unknown-field"),
        pytest.param("field_in", "contact.title", ["x"], "field", id="field-of-another-type"),
        pytest.param("guess", "account.region", ["EU"], "kind", id="unknown-type"),
        pytest.param("field_in", "account.region", [], "values", id="no-values"),
        pytest.param("field_in", "account.size_band", ["huge"], "values", id="unknown-band"),
        pytest.param("audience", "contact.audience", ["alien"], "values", id="unknown-audience"),
    ],
)
def test_a_rule_naming_an_unknown_field_is_refused_at_save(cast, kind, field, values, bad):
    from tandem.errors import InvalidInput
    from tandem.handoff.models import IcpRule

    with pytest.raises(InvalidInput) as refused:
        handoff.icp_rule_save(
            actor=cast.marketing_manager, kind=kind, field=field, values=values, points=5,
            label="x",
        )  # fmt: skip

    assert list(refused.value.errors) == [bad]
    assert not IcpRule.objects.exists()


def test_only_managers_and_admins_change_scoring(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        handoff.icp_rule_save(
            actor=cast.marketer, kind="profile_known", field="account.profile", values=[],
            points=5, label="x",
        )  # fmt: skip


def test_the_full_recompute_agrees_with_the_one_by_one_score(cast):
    from tandem.handoff.models import IcpRule, ScoringProfile
    from tandem.people.models import Contact

    ScoringProfile.objects.create(half_life_days=7)
    IcpRule.objects.create(
        kind="title_words", field="contact.title", values=["vp", "head"], points=15, label="s"
    )
    IcpRule.objects.create(
        kind="title_words", field="contact.title", values=["manager", "lead"], points=8, label="m"
    )
    IcpRule.objects.create(kind="business_email", field="contact.email", points=10, label="b")
    IcpRule.objects.create(
        kind="field_in", field="account.region", values=["EMEA"], points=7, label="r"
    )
    people = [
        ContactFactory(title="VP Ops Lead", email="v@corp.test"),
        ContactFactory(title="Team Lead", email="t@gmail.com", account=None),
        ContactFactory(title="", email="n@corp.test", account=AccountFactory(region="APAC")),
    ]
    for i, person in enumerate(people):
        _touch(person, "form_submission", i * 3)
        _touch(person, "page_visit", i, n=5 + i)
        _touch(person, "meeting", 40)
    handoff.lead_reject(actor=cast.admin, lead=handoff.lead_hand_off(contact=people[2]),
                        reason="not_ready")  # fmt: skip

    assert rescoring.rescore_all(now=NOW) == 3

    for person in Contact.objects.order_by("id"):
        expected = scoring.score_contact(person, now=NOW)
        assert (person.fit_score, person.engagement_score, person.score, person.grade) == (
            expected.fit,
            expected.engagement,
            expected.total,
            expected.grade,
        ), person.title
    assert [p.fit_score for p in Contact.objects.order_by("id")] == [32, 8, 10]
