"""Keeping segments fresh when a contact, consent or touch changes (people announces it through
``people.hooks``; the apps above segments may call ``segments_refresh_on_commit`` directly).

Changes are collected per transaction and evaluated once, after commit, for every contact
touched (so a form submission that upserts, records consent, logs a touch and rescores costs
one refresh, not four). The refresh runs in the request that made the change; it evaluates all
dynamic segments for those contacts in one query (see ``services.segments_refresh_for_contacts``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from tandem.people.hooks import ContactForgotten, ContactsChanged, Merged
from tandem.segments import services


class _Pending:
    """The contacts changed in the current transaction; called once on commit."""

    def __init__(self, contact_ids: set[int], changed: set[str] | None) -> None:
        # Django names a failing on-commit callback by its ``__qualname__``; an instance has
        # none of its own, and the AttributeError would hide the failure.
        self.__qualname__ = "segments_refresh_pending"
        self.contact_ids = contact_ids
        # What changed (``people.hooks.INPUT_*``); None: anything may have.
        self.changed = changed
        self.is_done = False

    def join(self, contact_ids: set[int], changed: set[str] | None) -> None:
        self.contact_ids |= contact_ids
        self.changed = None if changed is None or self.changed is None else self.changed | changed

    def __call__(self) -> None:
        self.is_done = True
        services.segments_refresh_for_contacts(self.contact_ids, changed=self.changed)


def segments_refresh_on_commit(
    contact_ids: Iterable[int | None], *, changed: Iterable[str] | None = None
) -> None:
    """Refresh these contacts' segment memberships once the current transaction commits.

    ``changed`` names what changed (``people.hooks.INPUT_TOUCH`` …) so that only segments whose
    rules read it are evaluated; leave it out when unsure."""
    ids = {int(i) for i in contact_ids if i is not None}
    if not ids:
        return
    kinds = None if changed is None else set(changed)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # Join the callback already waiting in this transaction, if there is one; a callback
        # dropped by a rollback is no longer in the list, so a new one is registered.
        for _, func, _ in connection.run_on_commit:
            if isinstance(func, _Pending) and not func.is_done:
                func.join(ids, kinds)
                return
    pending = _Pending(ids, kinds)
    # Robust: the change itself is committed; a failing refresh is logged, and the periodic
    # sweep or a rebuild puts membership right.
    transaction.on_commit(pending, robust=True)


def contacts_changed_listener(event: ContactsChanged) -> None:
    """People's ``CONTACTS_CHANGED`` hook: refresh these contacts' segments after commit."""
    segments_refresh_on_commit(event.contact_ids, changed=event.inputs)


def contact_forgotten_listener(event: ContactForgotten) -> None:
    """People's ``CONTACT_FORGOTTEN`` hook: the segments the contact was in count one fewer."""
    services.segments_forget_contact(event.contact_id)


def contacts_merged_listener(event: Merged) -> None:
    """People's ``CONTACTS_MERGED`` hook: a membership both contacts had is one now, so the
    kept contact's segments are recounted (their refresh follows ``CONTACTS_CHANGED``)."""
    if event.kind == "contact":
        services.segments_recount_for_contact(event.kept.pk)
