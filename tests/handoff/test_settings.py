"""Managers change the company's scoring profile, touch weights and service levels: checked
field by field, audited, and in force from the next touch."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.handoff import scoring, service_levels
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead, ScoringProfile, ServiceLevel, TouchWeight
from tandem.people.models import Touch
from tests.api.conftest import fields_of
from tests.factories import ContactFactory

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
MAY_CHANGE = ["marketing_manager", "sales_manager", "admin"]
MAY_NOT_CHANGE = ["marketer", "sales_rep", "leadership", "employee"]


def _contact_with_a_form_filled(days_ago: int):
    contact = ContactFactory(title="", email="a@gmail.com", account=None)
    Touch.objects.create(
        contact=contact, kind="form_submission", occurred_at=NOW - dt.timedelta(days=days_ago)
    )
    return contact


def _settings_entries():
    return AuditEntry.objects.filter(
        record_type__in=["handoff.scoringprofile", "handoff.touchweight", "handoff.servicelevel"]
    )


# --- Scoring: in force at once ---------------------------------------------------------------


def test_a_saved_half_life_changes_the_next_score_at_once(cast):
    contact = _contact_with_a_form_filled(days_ago=30)
    assert scoring.score_contact(contact, now=NOW).engagement == 15  # 30 halved once, cached

    handoff.scoring_profile_save(actor=cast.marketing_manager, half_life_days="10")

    assert scoring.score_contact(contact, now=NOW).engagement == 4  # 30 / 2**3 = 3.75


def test_saved_touch_weights_change_the_next_score_at_once(cast):
    contact = _contact_with_a_form_filled(days_ago=0)
    assert scoring.score_contact(contact, now=NOW).engagement == 30

    handoff.touch_weights_save(
        actor=cast.marketing_manager,
        weights={"form_submission": {"points": "45", "daily_cap": "60"}},
    )

    assert scoring.score_contact(contact, now=NOW).engagement == 45
    assert scoring.profile().weights["form_submission"] == (45, 60)


def test_an_empty_threshold_hands_the_decision_back_to_the_company_default(cast, settings):
    settings.TANDEM_MQL_THRESHOLD = 50
    handoff.scoring_profile_save(actor=cast.admin, mql_threshold="70")
    assert scoring.mql_threshold() == 70

    handoff.scoring_profile_save(actor=cast.admin, mql_threshold="")

    assert scoring.mql_threshold() == 50


# --- Bad values: named, nothing saved --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        pytest.param({"mql_threshold": "0"}, "mql_threshold", id="threshold-zero"),
        pytest.param({"half_life_days": "-1"}, "half_life_days", id="negative-half-life"),
        pytest.param({"half_life_days": "400"}, "half_life_days", id="half-life-over-a-year"),
        pytest.param({"half_life_days": "soon"}, "half_life_days", id="half-life-not-a-number"),
        pytest.param(
            {"half_life_days": "60", "window_days": "45"},
            "window_days",
            id="window-under-half-life",
        ),
        pytest.param({"window_days": "20"}, "window_days", id="window-under-saved-half-life"),
        pytest.param({"fit_b": "30"}, "fit_b", id="fit-cut-offs-out-of-order"),
        pytest.param({"engagement_3": "31"}, "engagement_3", id="engagement-cut-offs-out-of-order"),
        pytest.param({"predictive_min_leads": "2"}, "predictive_min_leads", id="too-few-leads"),
    ],
)
def test_a_bad_scoring_value_is_refused_naming_the_field(cast, fields, bad):
    before = scoring.profile()

    with pytest.raises(InvalidInput) as refused:
        handoff.scoring_profile_save(actor=cast.marketing_manager, **fields)

    assert list(refused.value.errors) == [bad]
    assert not ScoringProfile.objects.exists()
    assert scoring.profile() == before
    assert not _settings_entries().exists()


@pytest.mark.parametrize(
    ("weights", "bad"),
    [
        pytest.param(
            {"page_visit": {"points": "5", "daily_cap": "2"}},
            "weights.page_visit.daily_cap",
            id="cap-under-one-touch",
        ),
        pytest.param(
            {"page_visit": {"points": "-3", "daily_cap": "10"}},
            "weights.page_visit.points",
            id="negative-points",
        ),
        pytest.param(
            {"webinar": {"points": "5", "daily_cap": "10"}}, "weights.webinar", id="unknown-kind"
        ),
    ],
)
def test_a_bad_touch_weight_is_refused_naming_it(cast, weights, bad):
    with pytest.raises(InvalidInput) as refused:
        handoff.touch_weights_save(actor=cast.marketing_manager, weights=weights)

    assert list(refused.value.errors) == [bad]
    assert not TouchWeight.objects.exists()


def test_one_bad_weight_keeps_the_good_profile_change_unsaved_too(cast):
    with pytest.raises(InvalidInput):
        handoff.scoring_save(
            actor=cast.admin,
            profile={"half_life_days": "10"},
            weights={"call": {"points": "10", "daily_cap": "1"}},
        )

    assert scoring.profile().half_life_days == 30.0


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        pytest.param(
            {"workday_start_hour": "17", "workday_end_hour": "9"},
            "workday_end_hour",
            id="day-ends-before-it-starts",
        ),
        pytest.param({"workday_end_hour": "24"}, "workday_end_hour", id="hour-past-the-day"),
        pytest.param({"first_touch_hours": "0"}, "first_touch_hours", id="no-time-to-touch"),
        pytest.param(
            {"first_touch_hours": "1", "warn_before_minutes": "90"},
            "warn_before_minutes",
            id="warning-before-the-hand-off",
        ),
        pytest.param({"follow_up_days": "0"}, "follow_up_days", id="no-follow-up-days"),
        pytest.param(
            {"quarterly_revenue_goal": "-5"}, "quarterly_revenue_goal", id="negative-goal"
        ),
        pytest.param(
            {"minimum_acceptance_rate": "60"}, "minimum_acceptance_rate", id="rate-as-percent"
        ),
    ],
)
def test_a_bad_service_level_is_refused_naming_the_field(cast, fields, bad):
    with pytest.raises(InvalidInput) as refused:
        handoff.service_level_save(actor=cast.sales_manager, **fields)

    assert list(refused.value.errors) == [bad]
    assert not ServiceLevel.objects.exists()
    assert not _settings_entries().exists()


# --- Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MAY_NOT_CHANGE)
def test_other_roles_may_not_change_the_settings(cast, role):
    with pytest.raises(PermissionDenied):
        handoff.scoring_profile_save(actor=cast.by_role(role), half_life_days="10")
    with pytest.raises(PermissionDenied):
        handoff.service_level_save(actor=cast.by_role(role), first_touch_hours="2")

    assert not ScoringProfile.objects.exists() and not ServiceLevel.objects.exists()


@pytest.mark.parametrize("role", MAY_CHANGE)
def test_both_managers_and_admins_change_the_settings(cast, role):
    handoff.scoring_profile_save(actor=cast.by_role(role), half_life_days="14")
    handoff.service_level_save(actor=cast.by_role(role), first_touch_hours="2")

    assert scoring.profile().half_life_days == 14.0
    assert service_levels.service_level().first_touch_hours == 2


# --- The audit trail ------------------------------------------------------------------------


def test_each_change_of_settings_writes_one_audit_entry_with_what_changed(cast):
    handoff.scoring_profile_save(actor=cast.marketing_manager, half_life_days="14")

    handoff.scoring_profile_save(
        actor=cast.admin, half_life_days="14", window_days="60", fit_a="35"
    )

    latest = _settings_entries().order_by("-id").first()
    assert _settings_entries().count() == 2
    assert (latest.actor, latest.action) == (cast.admin, AuditEntry.Action.UPDATE)
    assert latest.changes == {"window_days": [90, 60], "fit_a": [30, 35]}


def test_a_service_level_change_is_audited(cast):
    handoff.service_level_save(actor=cast.sales_manager, first_touch_hours="4")  # no change
    handoff.service_level_save(actor=cast.sales_manager, quarterly_revenue_goal="250,000")

    entries = list(_settings_entries())
    assert len(entries) == 1
    assert entries[0].actor == cast.sales_manager
    assert entries[0].changes["quarterly_revenue_goal"] == [None, "250000.00"]


def test_a_weight_change_is_audited_per_kind(cast):
    handoff.touch_weights_save(
        actor=cast.marketing_manager,
        weights={
            "call": {"points": "12", "daily_cap": "40"},
            "meeting": {"points": "25", "daily_cap": "40"},  # the default: nothing to save
        },
    )
    handoff.touch_weights_save(
        actor=cast.marketing_manager, weights={"call": {"points": "15", "daily_cap": "40"}}
    )

    changes = [e.changes for e in _settings_entries().order_by("id")]
    assert changes[1:] == [{"points": [12, 15]}]
    assert list(TouchWeight.objects.values_list("kind", "points")) == [("call", 15)]


# --- The API --------------------------------------------------------------------------------


def test_a_manager_changes_scoring_through_the_api(api):
    response = api("marketing_manager").put(
        "/handoff/scoring",
        {"half_life_days": 14, "fit_a": 40, "weights": [
            {"kind": "page_visit", "points": 4, "daily_cap": 20}]},
    )  # fmt: skip

    assert response.status_code == 200, response.content
    body = api("marketer").get("/handoff/scoring").json()
    assert (body["half_life_days"], body["fit_cuts"]) == (14.0, [40, 20, 10])
    assert {"kind": "page_visit", "points": 4, "daily_cap": 20} in body["weights"]
    assert response.json() == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"half_life_days": 500}, "half_life_days", id="out-of-range"),
        pytest.param({"half_life_days": "soon"}, "half_life_days", id="not-a-number"),
        pytest.param({"fit_c": 25}, "fit_c", id="cut-offs-out-of-order"),
        pytest.param(
            {"weights": [{"kind": "call", "points": 10, "daily_cap": 5}]},
            "weights.call.daily_cap",
            id="weight-cap",
        ),
    ],
)
def test_a_bad_scoring_value_is_refused_by_the_api_naming_the_field(api, body, field):
    response = api("marketing_manager").put("/handoff/scoring", body)

    assert response.status_code == 422
    assert fields_of(response) == [field]
    assert not ScoringProfile.objects.exists() and not TouchWeight.objects.exists()


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "leadership", "employee"])
def test_other_roles_may_not_change_settings_through_the_api(api, role):
    assert api(role).put("/handoff/scoring", {"half_life_days": 10}).status_code == 403
    assert api(role).put("/handoff/service-levels", {"first_touch_hours": 2}).status_code == 403
    assert not ScoringProfile.objects.exists() and not ServiceLevel.objects.exists()


def test_a_sales_manager_changes_the_service_levels_through_the_api(api):
    response = api("sales_manager").put(
        "/handoff/service-levels", {"first_touch_hours": 2, "quarterly_revenue_goal": 120000}
    )

    assert response.status_code == 200, response.content
    assert response.json()["first_touch_hours"] == 2
    settings = api("marketer").get("/handoff/service-levels").json()["settings"]
    assert (settings["first_touch_hours"], settings["quarterly_revenue_goal"]) == (2, 120000.0)


def test_a_bad_service_level_is_refused_by_the_api_naming_the_field(api):
    response = api("sales_manager").put(
        "/handoff/service-levels", {"workday_start_hour": 18, "workday_end_hour": 8}
    )

    assert response.status_code == 422
    assert fields_of(response) == ["workday_end_hour"]


# --- The set-up page ------------------------------------------------------------------------


def _profile_form(**overrides):
    form = {
        "mql_threshold": "50", "half_life_days": "30", "window_days": "90", "fit_a": "30",
        "fit_b": "20", "fit_c": "10", "engagement_1": "60", "engagement_2": "30",
        "engagement_3": "10", "predictive_min_leads": "200",
    }  # fmt: skip
    return {**form, **overrides}


def _level_form(**overrides):
    form = {
        "first_touch_hours": "4", "warn_before_minutes": "60", "workday_start_hour": "9",
        "workday_end_hour": "17", "follow_up_attempts": "3", "follow_up_days": "14",
        "quarterly_revenue_goal": "0", "minimum_acceptance_rate": "0.6",
    }  # fmt: skip
    return {**form, **overrides}


def test_the_setup_page_shows_the_touch_weights_and_the_forms_to_managers(client, cast):
    handoff.touch_weights_save(
        actor=cast.admin, weights={"page_visit": {"points": "4", "daily_cap": "17"}}
    )
    client.force_login(cast.marketing_manager)

    page = client.get(reverse("handoff:setup")).content.decode()

    assert 'name="weights.page_visit.daily_cap" value="17"' in page
    assert reverse("handoff:scoring_profile_set") in page
    assert reverse("handoff:service_level_set") in page


def test_the_setup_page_shows_settings_without_forms_to_others(client, cast):
    client.force_login(cast.sales_rep)

    page = client.get(reverse("handoff:setup")).content.decode()

    assert "Page visit" in page
    assert reverse("handoff:scoring_profile_set") not in page


def test_a_manager_saves_the_scoring_settings_on_the_page(client, cast):
    client.force_login(cast.marketing_manager)

    response = client.post(
        reverse("handoff:scoring_profile_set"), _profile_form(half_life_days="21"), follow=True
    )

    assert response.redirect_chain == [(reverse("handoff:setup"), 302)]
    assert "Scoring settings saved" in response.content.decode()
    assert scoring.profile().half_life_days == 21.0


def test_a_bad_value_on_the_page_is_shown_beside_its_field(client, cast):
    client.force_login(cast.marketing_manager)

    response = client.post(
        reverse("handoff:scoring_profile_set"), _profile_form(half_life_days="400")
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert 'value="400" inputmode="decimal" aria-invalid="true" ' in page
    assert 'aria-describedby="sp-half_life_days-err"' in page
    assert '<p class="error" id="sp-half_life_days-err">give a number from 0 to 365</p>' in page
    assert not ScoringProfile.objects.exists()


def test_a_bad_weight_on_the_page_is_shown_beside_it(client, cast):
    client.force_login(cast.admin)
    form = {}
    for kind, (points, cap) in scoring.profile().weights.items():
        form[f"weights.{kind}.points"], form[f"weights.{kind}.daily_cap"] = points, cap
    form["weights.call.daily_cap"] = "3"

    response = client.post(reverse("handoff:touch_weights_set"), form)

    assert response.status_code == 422
    assert 'id="tw-call-cap-err">must be at least one touch&#x27;s points (10)</p>' in (
        response.content.decode()
    )
    assert not TouchWeight.objects.exists()


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "leadership"])
def test_other_roles_may_not_post_the_settings_forms(client, cast, role):
    client.force_login(cast.by_role(role))

    assert client.post(reverse("handoff:scoring_profile_set"), _profile_form()).status_code == 403
    assert client.post(reverse("handoff:service_level_set"), _level_form()).status_code == 403
    assert not ScoringProfile.objects.exists() and not ServiceLevel.objects.exists()


def test_a_revenue_goal_set_on_the_page_sets_marketings_target_on_the_sla_page(client, cast, mql):
    from tandem.sales import services as sales
    from tandem.sales.models import Deal

    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount=Decimal("10000"))
    Lead.objects.update(handed_off_at=timezone.now() - dt.timedelta(days=200))
    Deal.objects.update(closed_at=timezone.now() - dt.timedelta(days=100))
    # a year back: one lead, one won deal of 10,000
    client.force_login(cast.sales_manager)
    assert "Set a quarterly revenue goal" in client.get(reverse("handoff:sla")).content.decode()

    response = client.post(
        reverse("handoff:service_level_set"), _level_form(quarterly_revenue_goal="100,000")
    )

    assert response.status_code == 302
    page = client.get(reverse("handoff:sla")).content.decode()
    assert '<div class="value" data-metric="needed">10</div>' in page
    assert "100,000 revenue ÷ 10,000 average won deal" in page


def test_saving_the_page_unchanged_keeps_the_company_default_threshold(client, cast, settings):
    settings.TANDEM_MQL_THRESHOLD = 50
    client.force_login(cast.admin)
    page = client.get(reverse("handoff:setup")).content.decode()
    assert 'id="sp-mql_threshold" name="mql_threshold" value=""' in page

    client.post(reverse("handoff:scoring_profile_set"), _profile_form(mql_threshold=""))
    settings.TANDEM_MQL_THRESHOLD = 60

    assert scoring.mql_threshold() == 60
