"""The addresses of erased people, kept only as salted hashes on the suppression list.

An erased person's address must not stay anywhere in clear, yet a later import, form or API
call with that address must not subscribe them again. So the erase leaves a ``Suppression``
row whose ``email`` is ``erased:`` and a keyed hash of the address (HMAC-SHA256 with a key
derived from the secret key: the hash of a guessed address cannot be computed without the
data folder's secret). The address itself is never stored.

A contact re-created later with such an address (by an import, a form or the API, which is
allowed: the company may meet the person again) is heard through
``people.hooks.CONTACTS_CHANGED`` when consent is recorded for them (``INPUT_CONSENT``: a
form's box, an import's consent column, the API): any consent they were given is withdrawn at
once and the address is suppressed in clear (it is back in the contacts table anyway), so they
are never emailed until an admin lifts the suppression by hand. Without consent marketing
email never reaches them anyway.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils import timezone

from tandem.mailing.models import Suppression, SuppressionReason
from tandem.ops import settings_cache
from tandem.people.hooks import (
    INPUT_CONSENT,
    ContactsChanged,
    contacts_changed_announce,
)
from tandem.people.models import Consent, Contact

PREFIX = "erased:"
ERASED_DETAIL = "erased on request (right to be forgotten); address kept only as a hash"
BACK_DETAIL = "this address was erased on request; re-created contacts are never mailed"
_SALT = b"tandem.privacy.erased-address"


def address_hash(email: str) -> str:
    """The salted hash an erased address is kept as (``erased:`` + 64 hex digits)."""
    key = hmac.new(settings.SECRET_KEY.encode(), _SALT, hashlib.sha256).digest()
    digest = hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest


def erased_address_keep(email: str, *, reason: str = SuppressionReason.MANUAL) -> None:
    """Put ``email`` on the suppression list as a hash only; a clear row for it goes."""
    Suppression.objects.filter(email=email.strip().lower()).delete()
    Suppression.objects.get_or_create(
        email=address_hash(email),
        defaults={"reason": reason, "detail": ERASED_DETAIL, "created_at": timezone.now()},
    )
    # The set of erased hashes is read on every contact change: cached per process.
    settings_cache.settings_changed()


def _erased_hashes() -> frozenset[str]:
    return frozenset(
        Suppression.objects.filter(email__startswith=PREFIX).values_list("email", flat=True)
    )


def erased_contacts(contact_ids: frozenset[int]) -> list[Contact]:
    """Those of the contacts whose address was erased before."""
    hashes = settings_cache.cached("privacy.erased_hashes", _erased_hashes)
    if not hashes:
        return []
    contacts = Contact.objects.filter(pk__in=contact_ids).only("pk", "email")
    return [c for c in contacts if address_hash(c.email) in hashes]


def contacts_changed_listener(event: ContactsChanged) -> None:
    """People's ``CONTACTS_CHANGED``: a contact with an erased address gets no consent and is
    suppressed (see the module's docstring)."""
    # Only a change that may have given consent (a consent recorded, an import's rows)
    # matters: a touch or an edit gives none, and they are the hot paths, read nothing.
    if event.inputs is None or INPUT_CONSENT not in event.inputs:
        return
    for contact in erased_contacts(event.contact_ids):
        granted = Consent.objects.filter(contact=contact, is_granted=True)
        if granted.exists():
            # ``update``, not ``consent_record``: a consent given just now (a form's) is
            # taken back whatever the channel. The announce reaches this listener again,
            # which then finds nothing granted and stops.
            granted.update(
                is_granted=False, source="privacy:erased-address", recorded_at=timezone.now()
            )
            contacts_changed_announce([contact.pk], inputs={INPUT_CONSENT})
        Suppression.objects.get_or_create(
            email=contact.email,
            defaults={
                "reason": SuppressionReason.MANUAL,
                "detail": BACK_DETAIL,
                "created_at": timezone.now(),
            },
        )
