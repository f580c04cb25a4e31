"""What other apps hear about people: contacts changed, a contact forgotten.

``people`` sits low in the house, so it never calls the apps that react to its changes
(segments today; outbound webhooks and journeys next). Instead each of them registers a
listener here from its ``apps.py`` ``ready()``, and people's services announce the change.

- Listeners are called in registration order, at once, inside the caller's transaction; an
  error in one propagates to the caller (nothing is swallowed here).
- A listener that must act after commit defers itself with ``transaction.on_commit``, as the
  segments' refresh does (it joins every change of one transaction into one refresh).
- The names of what changed (``INPUT_*``) belong to people: they say which of a contact's
  inputs moved, so a listener can skip work that cannot be affected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

# What changed about a contact. A listener told which inputs changed may skip the work that
# does not read them (a touch cannot move a segment of field conditions).
INPUT_CONTACT = "contact"  # the contact's own columns: fields, score, stage, audience, owner
INPUT_ACCOUNT = "account"
INPUT_CONSENT = "consent"
INPUT_TOUCH = "touch"  # touches, and form submissions (each comes with its touch)
INPUTS = frozenset({INPUT_CONTACT, INPUT_ACCOUNT, INPUT_CONSENT, INPUT_TOUCH})


@dataclass(frozen=True)
class ContactsChanged:
    """These contacts changed; ``inputs`` names what changed (``INPUT_*``), None: anything may
    have."""

    contact_ids: frozenset[int]
    inputs: frozenset[str] | None = None


@dataclass(frozen=True)
class ContactForgotten:
    """This contact is about to be deleted (announced inside the deleting transaction)."""

    contact_id: int


Event = TypeVar("Event")


class Hook(Generic[Event]):
    """One kind of event and its listeners, called in the order they registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[Event], None]] = []

    def listen(self, listener: Callable[[Event], None]) -> None:
        """Register ``listener``; registering the same one again changes nothing (``ready()``
        may run more than once in a process, and a listener must not hear an event twice)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def forget(self, listener: Callable[[Event], None]) -> None:
        """Unregister ``listener`` (tests that listen for a while)."""
        self._listeners.remove(listener)

    def announce(self, event: Event) -> None:
        """Call every listener with ``event``, in registration order; errors propagate."""
        for listener in tuple(self._listeners):
            listener(event)


CONTACTS_CHANGED: Hook[ContactsChanged] = Hook("contacts changed")
CONTACT_FORGOTTEN: Hook[ContactForgotten] = Hook("contact forgotten")


def contacts_changed_announce(
    contact_ids: Iterable[int | None], *, inputs: Iterable[str] | None = None
) -> None:
    """Tell the listeners these contacts changed (``inputs``: what changed, when known).

    No contact, no announcement."""
    ids = frozenset(int(i) for i in contact_ids if i is not None)
    if not ids:
        return
    CONTACTS_CHANGED.announce(ContactsChanged(ids, None if inputs is None else frozenset(inputs)))


def contact_forgotten_announce(contact_id: int) -> None:
    """Tell the listeners this contact is about to be deleted."""
    CONTACT_FORGOTTEN.announce(ContactForgotten(contact_id))
