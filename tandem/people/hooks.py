"""What other apps hear about people: contacts changed, a contact forgotten, records merged.

``people`` sits low in the house, so it never calls the apps that react to its changes
(segments today; outbound webhooks and journeys next). Instead each of them registers a
listener here from its ``apps.py`` ``ready()``, and people's services announce the change.

- Listeners behave as every ``tandem.core.hooks.Hook``'s do; the segments' refresh defers
  itself to commit (it joins every change of one transaction into one refresh).
- The names of what changed (``INPUT_*``) belong to people: they say which of a contact's
  inputs moved, so a listener can skip work that cannot be affected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tandem.core.hooks import Hook

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


# --- merging two records ---------------------------------------------------------------------


@dataclass(frozen=True)
class MergeCheck:
    """Two records (``kind``: "contact" or "account") about to be merged: ``merged`` into
    ``kept``. A listener that knows why the merge would break something appends a sentence to
    ``problems`` (naming the records and people concerned); any problem refuses the merge.
    Announced for the merge page's preview too, so a listener only reads."""

    kind: str
    kept: Any
    merged: Any
    problems: list[str]


@dataclass(frozen=True)
class Merged:
    """``merged_id`` was merged into ``kept``: every row that pointed at it points at ``kept``
    now and the merged record is gone. Announced inside the merge's transaction, once; a
    listener fixes up what it derives from those rows (a score, a cached count)."""

    kind: str
    kept: Any
    merged_id: int
    actor: Any = None


CONTACTS_MERGING: Hook[MergeCheck] = Hook("contacts merging")
CONTACTS_MERGED: Hook[Merged] = Hook("contacts merged")
ACCOUNTS_MERGING: Hook[MergeCheck] = Hook("accounts merging")
ACCOUNTS_MERGED: Hook[Merged] = Hook("accounts merged")


def merge_problems(*, kind: str, kept: Any, merged: Any) -> list[str]:
    """What the listeners say the merge of ``merged`` into ``kept`` would break (empty: none)."""
    event = MergeCheck(kind, kept, merged, [])
    (CONTACTS_MERGING if kind == "contact" else ACCOUNTS_MERGING).announce(event)
    return event.problems


def merged_announce(*, kind: str, kept: Any, merged_id: int, actor: Any = None) -> None:
    """Tell the listeners ``merged_id`` was merged into ``kept``."""
    (CONTACTS_MERGED if kind == "contact" else ACCOUNTS_MERGED).announce(
        Merged(kind, kept, merged_id, actor)
    )
