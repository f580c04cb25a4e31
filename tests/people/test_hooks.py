"""People's hooks: what other apps hear when contacts change or are deleted."""

import pytest
from django.db import transaction

from tandem.core import hooks as core_hooks
from tandem.people import hooks
from tandem.people import services as people
from tandem.people.hooks import (
    CONTACT_FORGOTTEN,
    CONTACTS_CHANGED,
    INPUT_CONSENT,
    ContactForgotten,
    ContactsChanged,
)
from tandem.segments import freshness


@pytest.fixture
def heard():
    """Every event announced while the test runs, in order."""
    events: list = []
    CONTACTS_CHANGED.listen(events.append)
    CONTACT_FORGOTTEN.listen(events.append)
    yield events
    CONTACTS_CHANGED.forget(events.append)
    CONTACT_FORGOTTEN.forget(events.append)


def test_segments_listen_to_people_from_their_app_config():
    assert freshness.contacts_changed_listener in CONTACTS_CHANGED._listeners
    assert freshness.contact_forgotten_listener in CONTACT_FORGOTTEN._listeners


def test_listeners_hear_an_event_in_registration_order_and_once():
    hook: core_hooks.Hook[str] = core_hooks.Hook("test")
    calls: list[str] = []

    def first(event: str) -> None:
        calls.append(f"first {event}")

    def second(event: str) -> None:
        calls.append(f"second {event}")

    hook.listen(first)
    hook.listen(second)
    hook.listen(first)  # a second ready() must not double it
    hook.announce("hello")

    assert calls == ["first hello", "second hello"]


def test_an_error_in_a_listener_reaches_the_caller():
    hook: core_hooks.Hook[str] = core_hooks.Hook("test")

    def broken(event: str) -> None:
        raise RuntimeError("listener failed")

    hook.listen(broken)

    with pytest.raises(RuntimeError, match="listener failed"):
        hook.announce("hello")


def test_a_change_names_the_contacts_and_what_changed(heard, cast):
    contact = people.contact_create(actor=cast.marketer, email="lee@bolt.test")

    with transaction.atomic():
        people.consent_record(contact=contact, channel="email", is_granted=True, source="test")

    assert heard == [
        ContactsChanged(frozenset({contact.pk}), None),
        ContactsChanged(frozenset({contact.pk}), frozenset({INPUT_CONSENT})),
    ]


def test_no_contact_no_announcement(heard):
    hooks.contacts_changed_announce([None])

    assert heard == []


def test_a_deleted_contact_is_announced_before_it_goes(heard, cast):
    contact = people.contact_create(actor=cast.admin, email="lee@bolt.test")
    contact_id = contact.pk
    heard.clear()

    people.contact_delete(actor=cast.admin, contact=contact)

    assert heard == [ContactForgotten(contact_id)]
