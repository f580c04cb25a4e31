"""Who gets a new MQL: the account's selling owner first, else round robin among available reps."""

from tandem.access.roles import Role
from tandem.handoff.models import Lead
from tests.factories import AccountFactory, UserFactory


def _assignees(submit, n: int, **extra) -> list[str]:
    for i in range(n):
        submit(email=f"buyer{i}@acme{i}.test", company=f"Acme {i}", **extra)
    return [getattr(lead.assigned_to, "username", "") for lead in Lead.objects.order_by("id")]


def test_round_robin_between_available_reps(cast, submit):
    cast.teammate_rep.is_available_for_leads = True
    cast.teammate_rep.save()

    assert _assignees(submit, 4) == ["sam", "tara", "sam", "tara"]


def test_away_reps_are_skipped(cast, submit):
    assert set(_assignees(submit, 3)) == {"sam"}


def test_no_rep_available_leaves_the_lead_unassigned_but_waiting(cast, submit):
    cast.sales_rep.is_available_for_leads = False
    cast.sales_rep.save()
    submit()

    lead = Lead.objects.get()
    assert lead.assigned_to is None and lead.status == Lead.Status.WAITING


def test_account_owner_who_sells_gets_the_lead(cast, submit):
    cast.teammate_rep.is_available_for_leads = True
    cast.teammate_rep.save()
    AccountFactory(name="Acme", domain="acme.test", owner=cast.teammate_rep)

    submit()

    assert Lead.objects.get().assigned_to == cast.teammate_rep


def test_account_owner_who_is_away_is_passed_over(cast, submit):
    AccountFactory(name="Acme", domain="acme.test", owner=cast.other_team_rep)

    submit()

    assert Lead.objects.get().assigned_to == cast.sales_rep


def test_new_rep_without_history_is_served_first(cast, submit):
    _assignees(submit, 2)
    UserFactory(username="nina", role=Role.SALES_REP)

    submit(email="later@late.test", company="Late")

    assert Lead.objects.order_by("-id").first().assigned_to.username == "nina"


def test_queue_shows_a_rep_their_own_and_a_manager_the_team(cast, submit):
    from tandem.handoff.selectors import lead_queue

    cast.teammate_rep.is_available_for_leads = True
    cast.teammate_rep.save()
    _assignees(submit, 2)

    assert [lead.assigned_to.username for lead in lead_queue(user=cast.sales_rep)] == ["sam"]
    assert len(lead_queue(user=cast.sales_manager)) == 2
    assert list(lead_queue(user=cast.other_team_rep)) == []
    assert list(lead_queue(user=cast.leadership)) == []  # read-only: nothing to answer


# --- Territory rules, capacity, concurrency -------------------------------------------------

import threading  # noqa: E402

import pytest  # noqa: E402
from django.db import connection, connections  # noqa: E402

from tandem.handoff import services as handoff  # noqa: E402
from tandem.people.lifecycle import Stage  # noqa: E402
from tests.factories import ContactFactory, TeamFactory  # noqa: E402


def test_a_territory_rule_sends_the_region_to_its_team(cast, submit):
    cast.other_team_rep.is_available_for_leads = True
    cast.other_team_rep.save()
    handoff.routing_rule_save(
        actor=cast.sales_manager, name="APAC to South", team=cast.other_team_rep.team,
        field="account.region", values=["APAC"],
    )  # fmt: skip
    AccountFactory(name="Acme", domain="acme.test", region="APAC")

    submit()
    submit(email="bo@elsewhere.test", company="Elsewhere")

    first, second = Lead.objects.order_by("id")
    assert (first.assigned_to, first.routed_by) == (cast.other_team_rep, "rule: APAC to South")
    assert (second.assigned_to, second.routed_by) == (cast.sales_rep, "round robin")


def test_a_routing_rule_on_an_unknown_field_is_refused(cast):
    from tandem.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        handoff.routing_rule_save(
            actor=cast.sales_manager, name="x", team=cast.sales_rep.team,
            field="account.revenue", values=["1"],
        )  # fmt: skip
    assert list(refused.value.errors) == ["field"]


def test_round_robin_is_weighted_by_capacity_and_skips_full_reps(cast, submit):
    cast.teammate_rep.is_available_for_leads = True
    cast.teammate_rep.lead_capacity = 2
    cast.teammate_rep.save()
    cast.sales_rep.lead_capacity = 4
    cast.sales_rep.save()

    names = _assignees(submit, 8)

    assert names.count("sam") == 4 and names.count("tara") == 2
    assert Lead.objects.filter(assigned_to=None).count() == 2  # both full: nobody takes them


def test_a_lead_is_reassigned_to_another_rep(cast, mql):
    cast.teammate_rep.is_available_for_leads = True
    cast.teammate_rep.save()

    lead = handoff.lead_reassign(lead=mql, why="first touch due")

    lead.refresh_from_db()
    assert (lead.assigned_to, lead.reassigned_count) == (cast.teammate_rep, 1)
    assert lead.contact.owner == cast.teammate_rep


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_leads_never_push_a_rep_over_capacity():
    team = TeamFactory(name="Sales West")
    reps = [
        UserFactory(username=f"rep{i}", role=Role.SALES_REP, team=team, lead_capacity=2)
        for i in range(3)
    ]
    contacts = [ContactFactory(lifecycle_stage=Stage.LEAD, account=None) for _ in range(10)]
    barrier = threading.Barrier(len(contacts))
    errors: list[BaseException] = []

    def arrive(contact):
        try:
            barrier.wait()
            handoff.lead_hand_off(contact=contact)
        except BaseException as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=arrive, args=(c,)) for c in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    loads = {rep.username: Lead.objects.filter(assigned_to=rep).count() for rep in reps}
    assert loads == {"rep0": 2, "rep1": 2, "rep2": 2}  # fair, and nobody beyond capacity
    assert Lead.objects.filter(assigned_to=None).count() == 4
