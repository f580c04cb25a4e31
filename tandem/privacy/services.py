"""People's rights, the use cases: download everything held on a person, erase them.

Both are audited without the data: the entry names the contact by id and who acted."""

from __future__ import annotations

from typing import Any

from tandem.access import policies
from tandem.audit import events as audit
from tandem.people.models import Contact
from tandem.privacy.erase import contact_erase
from tandem.privacy.export import personal_data_zip

__all__ = ["contact_erase", "personal_data_export"]


def personal_data_export(*, actor: Any, contact: Contact, via: str = "ui") -> bytes:
    """The zip of everything held on ``contact`` (``privacy.export``), for an admin or a
    marketing manager answering the person's request. The trail records who downloaded whose
    data, and nothing of the data."""
    policies.require(actor, "view", "contact_privacy", contact)
    archive = personal_data_zip(contact)
    audit.record_changes(
        actor=actor,
        obj=contact,
        changes={"personal_data_exported": [None, True]},
        via=via,
        label=f"contact #{contact.pk}",
    )
    return archive


def export_file_name(contact: Contact) -> str:
    return f"personal-data-contact-{contact.pk}.zip"
