""" "Not a duplicate": a dismissed pair leaves the duplicates list until an address (or a
domain) changes, can be undone, is audited, and needs the right to merge both records."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tandem.access import services as access
from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.people import dismissals
from tandem.people import services as people
from tandem.people.duplicates import account_duplicates_for_user, contact_duplicates_for_user
from tandem.people.merge import contact_merge
from tandem.people.models import Contact, DuplicateDismissal
from tests.api.conftest import Api


def _contact(cast, email: str, **fields) -> Contact:
    return people.contact_create(actor=cast.admin, email=email, **fields)


def _listed(user) -> list[list[int]]:
    return [g.ids for g in contact_duplicates_for_user(user=user)]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def bobs(cast) -> tuple[Contact, Contact]:
    """Two people who only share a name and a company's domain."""
    return (
        _contact(cast, "bob@bolt.test", first_name="Bob", last_name="Berg"),
        _contact(cast, "robert@bolt.test", first_name="Bob", last_name="Berg"),
    )


def test_a_dismissed_pair_leaves_the_list_and_an_undo_brings_it_back(cast, bobs):
    bob, robert = bobs
    assert _listed(cast.admin) == [[bob.pk, robert.pk]]

    dismissal = dismissals.duplicate_dismiss(
        user=cast.marketing_manager, kind="contact", ids=[robert.pk, bob.pk]
    )

    assert _listed(cast.admin) == []
    assert (dismissal.low_id, dismissal.high_id) == (bob.pk, robert.pk)
    assert (dismissal.low_key, dismissal.high_key) == ("bob@bolt.test", "robert@bolt.test")
    assert dismissal.dismissed_by == cast.marketing_manager

    dismissals.duplicate_dismissal_undo(user=cast.marketing_manager, dismissal=dismissal)

    assert _listed(cast.admin) == [[bob.pk, robert.pk]]
    assert list(
        AuditEntry.objects.filter(record_type="people.duplicatedismissal")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["create", "delete"]


def test_dismissing_twice_keeps_one_row(cast, bobs):
    ids = [b.pk for b in bobs]
    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=ids)
    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=ids)

    assert DuplicateDismissal.objects.count() == 1


def test_a_changed_address_lists_the_pair_again(cast, bobs):
    # given the pair dismissed
    bob, robert = bobs
    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=[bob.pk, robert.pk])

    # when Robert's address changes (to one that looks like Bob's)
    people.contact_update(actor=cast.admin, contact=robert, email="bob+work@bolt.test")

    # then the pair is listed again, and the dismissal is shown as no longer standing
    assert _listed(cast.admin) == [[bob.pk, robert.pk]]
    [shown] = dismissals.duplicate_dismissals_shown(user=cast.admin, kind="contact")
    assert shown.is_standing is False


def test_a_dismissed_pair_of_three_leaves_the_others_to_compare(cast):
    a = _contact(cast, "lee@bolt.test")
    b = _contact(cast, "lee+1@bolt.test")
    c = _contact(cast, "lee+2@bolt.test")

    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=[a.pk, b.pk])
    [group] = contact_duplicates_for_user(user=cast.admin)
    assert group.ids == [a.pk, b.pk, c.pk]
    assert [(x.pk, y.pk) for x, y in group.pairs] == [(b.pk, c.pk), (a.pk, c.pk)]

    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=[a.pk, c.pk])
    [group] = contact_duplicates_for_user(user=cast.admin)
    assert group.ids == [b.pk, c.pk]
    assert [(x.pk, y.pk) for x, y in group.pairs] == [(b.pk, c.pk)]


def test_a_dismissed_account_pair_returns_when_a_domain_changes(cast):
    acme = people.account_create(actor=cast.admin, name="Acme Inc", domain="acme.test")
    other = people.account_create(actor=cast.admin, name="Acme Ltd", domain="acme.com")
    dismissals.duplicate_dismiss(user=cast.admin, kind="account", ids=[acme.pk, other.pk])
    assert account_duplicates_for_user(user=cast.admin) == []

    people.account_update(actor=cast.admin, account=other, domain="acme.test")

    assert [g.ids for g in account_duplicates_for_user(user=cast.admin)] == [[acme.pk, other.pk]]


def test_a_merge_takes_the_merged_records_dismissals_with_it(cast, bobs):
    bob, robert = bobs
    twin = _contact(cast, "bob+crm@bolt.test")
    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=[robert.pk, twin.pk])
    dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=[bob.pk, robert.pk])

    contact_merge(user=cast.admin, kept=bob, merged=twin)

    assert list(DuplicateDismissal.objects.values_list("low_id", "high_id")) == [
        (bob.pk, robert.pk)
    ]


def test_dismissing_needs_the_right_to_merge_both(cast):
    mine = _contact(cast, "eve@bolt.test", owner=cast.sales_rep)
    theirs = _contact(cast, "eve+1@bolt.test", owner=cast.teammate_rep)
    own_twin = _contact(cast, "eve+2@bolt.test", owner=cast.sales_rep)

    with pytest.raises(PermissionDenied):
        dismissals.duplicate_dismiss(user=cast.sales_rep, kind="contact", ids=[mine.pk, theirs.pk])
    with pytest.raises(PermissionDenied):  # leadership reads duplicates, merges nothing
        dismissals.duplicate_dismiss(
            user=cast.leadership, kind="contact", ids=[mine.pk, own_twin.pk]
        )
    with pytest.raises(InvalidInput) as same:
        dismissals.duplicate_dismiss(user=cast.admin, kind="contact", ids=[mine.pk, mine.pk])
    dismissals.duplicate_dismiss(user=cast.sales_rep, kind="contact", ids=[mine.pk, own_twin.pk])

    assert same.value.errors == {"ids": "name two different records"}
    assert DuplicateDismissal.objects.count() == 1


def test_the_page_dismisses_lists_and_undoes(cast, bobs):
    bob, robert = bobs
    client = _client(cast.marketing_manager)
    page = client.get("/duplicates/").content.decode()
    assert "Not a duplicate" in page

    response = client.post(
        "/duplicates/dismiss/", {"kind": "contact", "ids": [bob.pk, robert.pk]}, follow=True
    )

    html = response.content.decode()
    assert "are no longer listed as duplicates" in html
    assert "No likely duplicate contacts" in html
    assert "<h2>Not duplicates</h2>" in html
    dismissal = DuplicateDismissal.objects.get()
    undone = client.post(f"/duplicates/dismissals/{dismissal.pk}/undo/", follow=True)
    assert f"Compare #{robert.pk} with #{bob.pk}" in undone.content.decode()
    assert not DuplicateDismissal.objects.exists()


def test_a_marketer_may_not_dismiss_through_the_page(cast, bobs):
    response = _client(cast.marketer).post(
        "/duplicates/dismiss/", {"kind": "contact", "ids": [b.pk for b in bobs]}
    )

    assert response.status_code == 403
    assert not DuplicateDismissal.objects.exists()


def test_the_api_dismisses_lists_and_undoes(cast, bobs):
    bob, robert = bobs
    _, raw = access.token_issue(user=cast.marketing_manager, name="dedupe")
    api = Api(raw)

    made = api.post("/duplicates/dismissals", {"kind": "contact", "ids": [bob.pk, robert.pk]})
    listed = api.get("/duplicates/dismissals", kind="contact")
    duplicates = api.get("/duplicates/contacts")
    undone = api.delete(f"/duplicates/dismissals/{made.json()['id']}")

    assert made.status_code == 201
    assert made.json()["ids"] == [bob.pk, robert.pk]
    assert [d["ids"] for d in listed.json()] == [[bob.pk, robert.pk]]
    assert listed.json()[0]["is_standing"] is True
    assert duplicates.json() == []
    assert undone.status_code == 204
    assert len(api.get("/duplicates/contacts").json()) == 1


@pytest.mark.parametrize(("role", "status"), [("marketer", 403), ("leadership", 403)])
def test_the_api_refuses_roles_that_may_not_merge(cast, bobs, role, status):
    _, raw = access.token_issue(user=cast.by_role(role), name="x")

    response = Api(raw).post(
        "/duplicates/dismissals", {"kind": "contact", "ids": [b.pk for b in bobs]}
    )

    assert response.status_code == status
