"""Who gets a new MQL: the account's selling owner first, else round robin among available reps."""

from tandem.access.roles import Role
from tandem.handoff.models import Lead
from tests.factories import AccountFactory, UserFactory


def _assignees(submit, n: int, **extra) -> list[str]:
    for i in range(n):
        submit(email=f"buyer{i}@acme{i}.test", company=f"Acme {i}", **extra)
    return [lead.assigned_to.username for lead in Lead.objects.order_by("id")]


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
