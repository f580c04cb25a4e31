"""Likely duplicates, found by the database on normalised keys."""

from __future__ import annotations

from tandem.people import services as people
from tandem.people.duplicates import account_duplicates_for_user, contact_duplicates_for_user
from tandem.people.models import Contact


def _contact(cast, email: str, first: str = "", last: str = "", **fields) -> Contact:
    return people.contact_create(
        actor=cast.admin, email=email, first_name=first, last_name=last, **fields
    )


def _found(groups) -> dict[tuple[str, ...], list[str]]:
    return {
        tuple(getattr(r, "email", None) or r.name for r in g.records): g.reasons for g in groups
    }


def test_contacts_that_look_like_one_person_are_grouped_with_why(cast):
    # given look-alikes by address, name and company, phone; and people who only look alike
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    _contact(cast, "jane.doe@gmail.com")
    _contact(cast, "janedoe+news@gmail.com")
    _contact(cast, "bob+crm@bolt.test")
    _contact(cast, "bob@bolt.test")
    _contact(cast, "ann@acme.test", "Ann", "Archer", account=acme)
    _contact(cast, "a.archer@acme.test", " ann", "ARCHER", account=acme)
    _contact(cast, "lee@one.test", phone="+49 (30) 1234-567")
    _contact(cast, "lee@two.test", phone="+49 30 1234 567")
    _contact(cast, "bo@gmail.com", "Bo", "Berg")
    _contact(cast, "bo@yahoo.com", "Bo", "Berg")
    for n in range(4):  # four namesakes: too common a name to be one person
        _contact(cast, f"john{n}@x{n}.test", "John", "Smith")
    _contact(cast, "jane.doe@bolt.test")  # dots count outside Gmail

    # when the duplicates are listed for an admin
    found = _found(contact_duplicates_for_user(user=cast.admin))

    # then each group is listed once, oldest first, with every reason that found it
    assert found == {
        ("ann@acme.test", "a.archer@acme.test"): [
            "same name at the same account",
            "same name and email domain",
            "same name",
        ],
        ("jane.doe@gmail.com", "janedoe+news@gmail.com"): ["same address without dots or +tags"],
        ("bob+crm@bolt.test", "bob@bolt.test"): ["same address without dots or +tags"],
        ("lee@one.test", "lee@two.test"): ["same phone number"],
        ("bo@gmail.com", "bo@yahoo.com"): ["same name"],
    }


def test_a_rep_sees_only_duplicates_among_their_own_contacts(cast):
    _contact(cast, "bob@bolt.test", owner=cast.sales_rep)
    _contact(cast, "bob+1@bolt.test", owner=cast.sales_rep)
    _contact(cast, "eve@bolt.test", owner=cast.sales_rep)
    _contact(cast, "eve+1@bolt.test", owner=cast.teammate_rep)

    found = _found(contact_duplicates_for_user(user=cast.sales_rep))

    assert list(found) == [("bob@bolt.test", "bob+1@bolt.test")]
    assert contact_duplicates_for_user(user=cast.marketer) == []


def test_accounts_with_one_domain_or_one_legal_name_are_grouped(cast):
    for name, domain in (
        ("Acme Inc.", "acme.test"),
        ("ACME", "acme.com"),
        ("Acme GmbH", ""),
        ("Bolt", "bolt.test"),
        ("Bolt Robotics", "BOLT.test"),
        ("Cobalt Co", "cobalt.test"),
    ):
        people.account_create(actor=cast.admin, name=name, domain=domain)

    found = _found(account_duplicates_for_user(user=cast.admin))

    assert found == {
        ("Bolt", "Bolt Robotics"): ["same domain"],
        ("Acme Inc.", "ACME", "Acme GmbH"): ["same name"],
    }
