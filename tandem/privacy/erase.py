"""The right to be forgotten: one person's personal data removed from everywhere it is held.

The contact row stays, anonymised ("Erased person", no address, phone, title or custom
values), so the counts, deals and revenue that included them stay true. Every table that
points at the contact is handled by its entry in ``privacy.erasers.ERASERS``; the columns
where their name or address may have been typed (``privacy.erasers.SEARCHED``), the audit
trail's values included, are searched and rewritten; the import files that held them are
deleted. The address is kept only as a salted hash on the suppression list
(``privacy.addresses``). One audit entry says who erased which contact id, without any data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import ForeignObjectRel, Q

from tandem.access import policies
from tandem.audit import events as audit
from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.imports.models import ImportJob, ImportProblem, ImportRecord
from tandem.people.models import Contact, DuplicateDismissal, EmailAlias
from tandem.privacy import addresses
from tandem.privacy.erasers import ERASERS, SEARCHED, SEARCHED_DELETED
from tandem.privacy.scrub import ERASED, Identifiers, matching, rows_scrub
from tandem.segments.services import segments_forget_contact

ERASED_FIRST_NAME, ERASED_LAST_NAME = "Erased", "person"
# The contact's own columns that say who they are; on the contact's audit entries every
# value of these is replaced, whatever it was.
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "title", "custom", "external_id")


def erased_email(contact_id: int) -> str:
    """The address an erased contact is left with (unique; ``.invalid`` never delivers)."""
    return f"erased-{contact_id}@erased.invalid"


def contact_relations() -> list[tuple[type[models.Model], str]]:
    """Every (model, key name) with a foreign key to ``Contact``, found by Django's relations."""
    found = []
    for rel in Contact._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel) and (rel.one_to_many or rel.one_to_one):
            model = rel.related_model
            if isinstance(model, type) and issubclass(model, models.Model):
                found.append((model, rel.field.name))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1]))


def contact_erase(*, actor: Any, contact: Contact, confirm_email: str, via: str = "ui") -> Contact:
    """Erase ``contact``'s personal data everywhere (see the module's docstring).

    ``confirm_email`` must be the contact's address, typed by the person erasing: the step
    cannot be undone. Returns the anonymised contact."""
    policies.require(actor, "delete", "contact_privacy", contact)
    if confirm_email.strip().lower() != contact.email:
        raise InvalidInput.field("confirm_email", "type the contact's email address to confirm")
    if contact.email == erased_email(contact.pk):
        raise InvalidInput.field("confirm_email", "this contact was erased already")
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        emails = [
            contact.email,
            *EmailAlias.objects.filter(contact=contact).values_list("email", flat=True),
        ]
        who = Identifiers.of(
            first_name=contact.first_name,
            last_name=contact.last_name,
            emails=emails,
            phone=contact.phone,
        )
        import_jobs = _import_jobs_touched(contact, who)
        segments_forget_contact(contact.pk)
        merged_ids = list(
            EmailAlias.objects.filter(contact=contact).values_list("merged_contact_id", flat=True)
        )
        linked = _linked_records(contact, merged_ids)
        for model, key in contact_relations():
            eraser = ERASERS.get(model._meta.label)
            rows = model._default_manager.filter(**{key: contact})
            if eraser is None:
                # Not expected (a test holds ERASERS complete): search at least.
                rows_scrub(rows, who, linked=True)
                continue
            eraser.action(rows, who)
        _contact_audit_erase([contact.pk, *merged_ids])
        # "Not a duplicate" pairs keep the addresses they were judged on, by id, not by key.
        person = [contact.pk, *merged_ids]
        DuplicateDismissal.objects.filter(kind=DuplicateDismissal.Kind.CONTACT).filter(
            Q(low_id__in=person) | Q(high_id__in=person)
        ).delete()
        for record_type, ids in linked.items():
            entries = AuditEntry.objects.filter(record_type=record_type, record_id__in=ids)
            rows_scrub(entries, who, columns=["record_label", "changes"], linked=True)
        _searched_erase(who)
        _import_files_delete(import_jobs)
        for email in emails:
            addresses.erased_address_keep(email)
        Contact.objects.filter(pk=contact.pk).update(
            first_name=ERASED_FIRST_NAME,
            last_name=ERASED_LAST_NAME,
            email=erased_email(contact.pk),
            phone="",
            title="",
            custom={},
            external_id="",
        )
        contact.refresh_from_db()
        audit.record_changes(
            actor=actor,
            obj=contact,
            changes={"erased": [None, True]},
            via=via,
            label=f"contact #{contact.pk}",
        )
    return contact


def _linked_records(contact: Contact, merged_ids: list[int]) -> dict[str, list[str]]:
    """The audit trail's names (record type -> ids) of every row about the person, the
    contacts merged into them included; read before the erasers delete any."""
    linked: dict[str, list[str]] = {}
    for model, key in contact_relations():
        ids = model._default_manager.filter(**{key: contact}).values_list("pk", flat=True)
        linked.setdefault(model._meta.label_lower, []).extend(str(pk) for pk in ids)
    linked["people.contact"] = [str(pk) for pk in merged_ids]
    return linked


def _contact_audit_erase(contact_ids: list[int]) -> None:
    """The entries of the contact (and of those merged into them) keep who, when and what
    action, and which fields changed; the personal values go."""
    for contact_id in contact_ids:
        audit.entries_rewrite(
            record_type="people.contact",
            record_id=contact_id,
            fields=set(PERSONAL_FIELDS),
            value=ERASED,
            label=f"contact #{contact_id}",
        )


def _searched_erase(who: Identifiers) -> None:
    for model, columns in SEARCHED:
        rows_scrub(model._default_manager.all(), who, columns=columns, linked=False)
    for model, columns in SEARCHED_DELETED:
        model._default_manager.filter(matching(model, columns, who.strong)).delete()


def _import_jobs_touched(contact: Contact, who: Identifiers) -> list[ImportJob]:
    """The imports whose file held the person: those that wrote the contact, those with a
    problem on their line or naming them, and CSV files that contain one of their
    addresses. Their problems on the contact's lines go too."""
    records = ImportRecord.objects.filter(record_type="contact", record_id=contact.pk)
    lines = Q()
    for job_id, line in records.values_list("job_id", "line"):
        lines |= Q(job_id=job_id, line=line)
    if lines:
        ImportProblem.objects.filter(lines).delete()
    ids = set(records.values_list("job_id", flat=True))
    ids |= set(
        ImportProblem.objects.filter(matching(ImportProblem, ["value"], who.strong)).values_list(
            "job_id", flat=True
        )
    )
    jobs = []
    for job in ImportJob.objects.exclude(stored_path="").only("pk", "stored_path", "file_format"):
        if job.pk in ids or _file_mentions(_stored(job), who):
            jobs.append(job)
    return jobs


def _stored(job: ImportJob) -> Path:
    return Path(settings.DATA_DIR) / job.stored_path


def _file_mentions(path: Path, who: Identifiers) -> bool:
    """Whether a stored file holds one of the person's addresses (read in blocks; an XLSX
    is compressed, so only its links to the contact count)."""
    if not path.is_file() or path.suffix.lower() == ".xlsx":
        return False
    needles = [w.lower().encode() for w in who.strong if "@" in w]
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            text = (tail + block).lower()
            if any(n in text for n in needles):
                return True
            tail = text[-256:]
    return False


def _import_files_delete(jobs: list[ImportJob]) -> None:
    """The uploads that held the person are deleted after commit: the job keeps its counts,
    problems and records (undo reads those, not the file)."""
    paths = [_stored(job) for job in jobs]
    ImportJob.objects.filter(pk__in=[j.pk for j in jobs]).update(stored_path="")

    def remove() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(remove)
