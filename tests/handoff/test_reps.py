"""Reps' lead capacity and away flag: set by their sales manager or an admin, on the page and
in the API, refused out of range naming the field, audited, and read by routing."""

import pytest
from django.urls import reverse

from tandem.audit.models import AuditEntry
from tandem.handoff.models import Lead
from tests.api.conftest import fields_of


def _reload(user):
    user.refresh_from_db()
    return user.lead_capacity, user.is_available_for_leads


def test_a_sales_manager_sees_their_teams_reps_with_waiting_leads(client, cast, mql):
    client.force_login(cast.sales_manager)

    page = client.get(reverse("handoff:reps")).content.decode()

    assert str(cast.sales_rep) in page and str(cast.teammate_rep) in page
    assert str(cast.other_team_rep) not in page
    assert f'data-waiting="{cast.sales_rep.pk}">1<' in page
    assert f'id="capacity-{cast.sales_rep.pk}"' in page


def test_a_sales_manager_sets_capacity_and_away_on_the_page(client, cast):
    client.force_login(cast.sales_manager)

    response = client.post(
        reverse("handoff:rep_set", args=[cast.sales_rep.pk]),
        {"lead_capacity": "12", "is_away": "on"},
    )

    assert response.status_code == 302
    assert _reload(cast.sales_rep) == (12, False)
    entry = AuditEntry.objects.get(record_type="access.user", record_id=str(cast.sales_rep.pk))
    assert entry.actor == cast.sales_manager
    assert entry.changes == {"lead_capacity": [50, 12], "is_available_for_leads": [True, False]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "a rep holds at least 1 waiting lead; mark them away instead"),
        ("-3", "a rep holds at least 1 waiting lead; mark them away instead"),
        ("5000", "at most 500 waiting leads: nobody touches more"),
        ("lots", "give a whole number of leads"),
    ],
    ids=["zero", "negative", "absurd", "not-a-number"],
)
def test_a_bad_capacity_is_shown_beside_the_field_and_saves_nothing(client, cast, value, message):
    client.force_login(cast.sales_manager)

    response = client.post(
        reverse("handoff:rep_set", args=[cast.sales_rep.pk]), {"lead_capacity": value}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<p class="error" id="capacity-{cast.sales_rep.pk}-err">{message}</p>' in page
    assert _reload(cast.sales_rep) == (50, True)
    assert not AuditEntry.objects.filter(record_type="access.user").exists()


def test_a_sales_manager_of_another_team_is_refused_on_the_page(client, cast):
    client.force_login(cast.sales_manager)

    response = client.post(
        reverse("handoff:rep_set", args=[cast.other_team_rep.pk]), {"lead_capacity": "5"}
    )

    assert response.status_code == 403
    assert _reload(cast.other_team_rep) == (50, False)


@pytest.mark.parametrize("role", ["marketer", "employee"])
def test_roles_without_reps_may_not_open_the_page(client, cast, role):
    client.force_login(cast.by_role(role))

    assert client.get(reverse("handoff:reps")).status_code == 403


def test_a_rep_sees_only_their_own_row_and_cannot_change_it(client, cast):
    client.force_login(cast.sales_rep)

    page = client.get(reverse("handoff:reps")).content.decode()
    refused = client.post(
        reverse("handoff:rep_set", args=[cast.sales_rep.pk]), {"lead_capacity": "99"}
    )

    assert str(cast.sales_rep) in page and str(cast.teammate_rep) not in page
    assert 'name="lead_capacity"' not in page
    assert refused.status_code == 403
    assert _reload(cast.sales_rep) == (50, True)


def test_an_admin_sets_any_reps_capacity_in_the_api(api, cast):
    response = api("admin").patch(
        f"/handoff/reps/{cast.other_team_rep.pk}",
        {"lead_capacity": 30, "is_available_for_leads": True},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["lead_capacity"], body["is_available_for_leads"]) == (30, True)
    assert (body["team"], body["waiting"]) == ("Sales South", 0)
    assert _reload(cast.other_team_rep) == (30, True)
    entry = AuditEntry.objects.get(record_type="access.user", record_id=str(cast.other_team_rep.pk))
    assert entry.actor == cast.admin


def test_a_patch_changes_only_the_fields_sent(api, cast):
    response = api("sales_manager").patch(
        f"/handoff/reps/{cast.teammate_rep.pk}", {"is_available_for_leads": True}
    )

    assert response.status_code == 200
    assert _reload(cast.teammate_rep) == (50, True)


@pytest.mark.parametrize("value", [0, -1, 501, "many"], ids=["zero", "negative", "absurd", "text"])
def test_a_bad_capacity_is_refused_in_the_api_naming_the_field(api, cast, value):
    response = api("sales_manager").patch(
        f"/handoff/reps/{cast.sales_rep.pk}", {"lead_capacity": value}
    )

    assert response.status_code == 422
    assert fields_of(response) == ["lead_capacity"]
    assert _reload(cast.sales_rep) == (50, True)


@pytest.mark.parametrize("role", ["sales_manager", "sales_rep", "marketing_manager"])
def test_who_may_not_set_another_teams_rep_in_the_api(api, cast, role):
    response = api(role).patch(f"/handoff/reps/{cast.other_team_rep.pk}", {"lead_capacity": 5})

    assert response.status_code == 403
    assert _reload(cast.other_team_rep) == (50, False)


def test_the_api_lists_the_reps_a_manager_may_see(api, cast, mql):
    body = api("sales_manager").get("/handoff/reps").json()

    assert {r["id"]: r["waiting"] for r in body} == {cast.sales_rep.pk: 1, cast.teammate_rep.pk: 0}


def test_routing_reads_what_the_manager_set(client, cast, submit):
    # sam may hold one waiting lead; tara is back from being away
    client.force_login(cast.sales_manager)
    client.post(reverse("handoff:rep_set", args=[cast.sales_rep.pk]), {"lead_capacity": "1"})
    client.post(reverse("handoff:rep_set", args=[cast.teammate_rep.pk]), {"lead_capacity": "5"})

    for i in range(3):
        submit(email=f"buyer{i}@firm{i}.test", company=f"Firm {i}")

    held = [lead.assigned_to for lead in Lead.objects.order_by("id")]
    assert held.count(cast.sales_rep) == 1 and held.count(cast.teammate_rep) == 2
