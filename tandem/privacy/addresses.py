"""The addresses of erased people, kept only as salted hashes on the suppression list.

An erased person's address must not stay anywhere in clear, yet a later import, form or API
call with that address must not subscribe them again. So the erase leaves a ``Suppression``
row with no ``email`` and only the address's keyed hash (``mailing.gate.address_hash``:
HMAC-SHA256 under the secret key, so the hash of a guessed address cannot be computed without
the data folder's secret). The address itself is never stored.

A contact re-created later with such an address (by an import, a form or the API, which is
allowed: the company may meet the person again) is heard through
``people.hooks.CONTACTS_CHANGED`` when consent is recorded for them (``INPUT_CONSENT``: a
form's box, an import's consent column, the API): any consent they were given is withdrawn at
once, and the hashed suppression row keeps refusing every email to them (``mailing.gate``
matches it by hash) until an admin lifts it by hand. Without consent marketing
email never reaches them anyway.
"""

from __future__ import annotations

from django.utils import timezone

from tandem.mailing import gate
from tandem.mailing.models import Suppression, SuppressionReason
from tandem.ops import settings_cache
from tandem.people.consent import consent_record
from tandem.people.hooks import (
    INPUT_CONSENT,
    ContactsChanged,
    contacts_changed_announce,
)
from tandem.people.models import Consent, Contact

ERASED_DETAIL = "erased on request (right to be forgotten); address kept only as a hash"


def address_hash(email: str) -> str:
    """The salted hash an erased address is kept as: the gate's own (``mailing.gate``), so
    every email to the address is refused by the one statement that reads suppressions."""
    return gate.address_hash(email)


def erased_address_keep(email: str, *, reason: str = SuppressionReason.ERASED) -> None:
    """Put ``email`` on the suppression list as a hash only; a clear row for it goes."""
    Suppression.objects.filter(email=email.strip().lower()).delete()
    Suppression.objects.get_or_create(
        email_hash=address_hash(email),
        defaults={
            "email": None,
            "reason": reason,
            "detail": ERASED_DETAIL,
            "created_at": timezone.now(),
        },
    )
    # The set of erased hashes is read on every contact change: cached per process.
    settings_cache.settings_changed()


def _erased_hashes() -> frozenset[str]:
    hashes = Suppression.objects.filter(email__isnull=True, email_hash__isnull=False)
    return frozenset(h for h in hashes.values_list("email_hash", flat=True) if h)


def erased_contacts(contact_ids: frozenset[int]) -> list[Contact]:
    """Those of the contacts whose address was erased before."""
    hashes = settings_cache.cached("privacy.erased_hashes", _erased_hashes)
    if not hashes:
        return []
    contacts = Contact.objects.filter(pk__in=contact_ids).only("pk", "email")
    return [c for c in contacts if hashes.intersection(gate.address_hashes(c.email))]


def contacts_changed_listener(event: ContactsChanged) -> None:
    """People's ``CONTACTS_CHANGED``: a contact with an erased address gets no consent and is
    suppressed (see the module's docstring)."""
    # Only a change that may have given consent (a consent recorded, an import's rows)
    # matters: a touch or an edit gives none, and they are the hot paths, read nothing.
    if event.inputs is None or INPUT_CONSENT not in event.inputs:
        return
    for contact in erased_contacts(event.contact_ids):
        granted = Consent.objects.filter(contact=contact, is_granted=True)
        channels = list(granted.values_list("channel", flat=True))
        for channel in channels:
            # Through the log, whatever the channel: a consent given just now (a form's) is
            # taken back and the history says why.
            consent_record(
                contact=contact,
                channel=channel,
                is_granted=False,
                source="privacy:erased-address",
                wording="This address was erased on request; consent is not taken again.",
            )
        if channels:
            # The announce reaches this listener again, which then finds nothing granted.
            contacts_changed_announce([contact.pk], inputs={INPUT_CONSENT})
