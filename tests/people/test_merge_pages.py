"""The duplicates page and the merge page, as a person uses them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.people import services as people
from tandem.people.models import Contact


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def twins(cast):
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    ann = people.contact_create(
        actor=cast.admin,
        email="ann@acme.test",
        first_name="Ann",
        last_name="Archer",
        title="Buyer",
        account=acme,
    )
    anne = people.contact_create(
        actor=cast.admin,
        email="ann.archer@acme.test",
        first_name="Ann",
        last_name="Archer",
        title="Head of Buying",
        account=acme,
    )
    return ann, anne


def test_the_duplicates_page_lists_the_pair_with_why_and_a_link_to_merge(cast, twins):
    ann, anne = twins

    page = _client(cast.marketing_manager).get("/duplicates/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Same name at the same account; same name and email domain; same name" in html
    assert f"/contacts/merge/?kept={ann.pk}&amp;merged={anne.pk}" in html


def test_the_accounts_tab_lists_accounts(cast):
    people.account_create(actor=cast.admin, name="Acme Inc", domain="acme.test")
    people.account_create(actor=cast.admin, name="Acme Ltd", domain="acme.com")

    html = _client(cast.admin).get("/duplicates/?tab=accounts").content.decode()

    assert "Same name" in html and "Acme Inc" in html and "Acme Ltd" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("marketer", 403), ("employee", 403), ("leadership", 200), ("sales_rep", 200)],
)
def test_who_opens_the_duplicates_page(cast, who, status):
    response = _client(cast.by_role(who) if who else None).get("/duplicates/")

    assert response.status_code == status


def test_the_merge_page_shows_both_values_what_moves_and_merges_the_choice(cast, twins):
    ann, anne = twins
    handoff.touch_log(contact=anne, kind="note", actor=cast.marketer, summary="Met at fair")
    client = _client(cast.marketing_manager)

    page = client.get(f"/contacts/merge/?kept={ann.pk}&merged={anne.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Buyer" in html and "Head of Buying" in html
    assert 'name="choice:title"' in html
    assert '<td>Touches</td><td class="num">0</td><td class="num">1</td>' in html

    done = client.post(
        f"/contacts/merge/?kept={ann.pk}&merged={anne.pk}",
        {"kept_id": ann.pk, "merged_id": anne.pk, "choice:title": "merged"},
    )

    assert done.status_code == 302 and done.url == f"/contacts/{ann.pk}/"
    ann.refresh_from_db()
    assert ann.title == "Head of Buying"
    assert not Contact.objects.filter(pk=anne.pk).exists()


def test_the_contact_page_offers_merge_with_and_takes_an_email(cast, twins):
    ann, anne = twins
    client = _client(cast.admin)

    contact_page = client.get(f"/contacts/{ann.pk}/").content.decode()
    page = client.get(f"/contacts/merge/?kept={ann.pk}&merged=ANN.archer@acme.test")

    assert "Merge with…" in contact_page
    assert page.status_code == 200
    assert f"Merge {anne} into {ann}" in page.content.decode()


def test_a_refused_merge_shows_why_and_merges_nothing(cast, twins):
    ann, anne = twins
    handoff.lead_hand_off(contact=ann)
    theirs = handoff.lead_hand_off(contact=anne)
    Lead.objects.filter(pk=theirs.pk).update(assigned_to=cast.teammate_rep)
    client = _client(cast.admin)

    page = client.get(f"/contacts/merge/?kept={ann.pk}&merged={anne.pk}").content.decode()
    posted = client.post(
        f"/contacts/merge/?kept={ann.pk}&merged={anne.pk}",
        {"kept_id": ann.pk, "merged_id": anne.pk},
    )

    assert "open lead with different reps" in page
    assert "The merge is possible once the problem above is solved." in page
    assert posted.status_code == 200
    assert cast.teammate_rep.get_full_name() in posted.content.decode()
    assert Contact.objects.filter(pk=anne.pk).exists()


def test_a_marketer_may_not_merge_through_the_page(cast, twins):
    ann, anne = twins

    response = _client(cast.marketer).post(
        f"/contacts/merge/?kept={ann.pk}&merged={anne.pk}",
        {"kept_id": ann.pk, "merged_id": anne.pk},
    )

    assert response.status_code == 403
    assert Contact.objects.filter(pk=anne.pk).exists()


def test_the_duplicates_page_costs_the_same_queries_for_one_group_or_many(cast):
    client = _client(cast.admin)

    def pair(n: int) -> None:
        for email in (f"lee{n}@bolt.test", f"lee{n}+crm@bolt.test"):
            people.contact_create(actor=cast.admin, email=email)

    pair(0)
    client.get("/duplicates/")
    with CaptureQueriesContext(connection) as one:
        first = client.get("/duplicates/")
    for n in range(1, 6):
        pair(n)
    with CaptureQueriesContext(connection) as six:
        second = client.get("/duplicates/")

    assert first.content.decode().count("Compare #") == 1
    assert second.content.decode().count("Compare #") == 6
    assert len(six) == len(one)


def test_an_account_is_merged_from_its_page(cast):
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    acme_inc = people.account_create(actor=cast.admin, name="Acme Inc", domain="acme.com")
    people.contact_create(actor=cast.admin, email="bob@acme.com", account=acme_inc)
    client = _client(cast.admin)

    account_page = client.get(f"/accounts/{acme.pk}/").content.decode()
    page = client.get(f"/accounts/merge/?kept={acme.pk}&merged={acme_inc.pk}").content.decode()
    done = client.post(
        f"/accounts/merge/?kept={acme.pk}&merged={acme_inc.pk}",
        {"kept_id": acme.pk, "merged_id": acme_inc.pk, "choice:domain": "merged"},
    )

    assert "Merge with…" in account_page
    assert "<td>Contacts</td>" in page
    assert done.status_code == 302 and done.url == f"/accounts/{acme.pk}/"
    assert Contact.objects.get(email="bob@acme.com").account_id == acme.pk
