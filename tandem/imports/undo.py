"""Undoing an import: the records it created removed, the fields it changed restored.

Refused, naming the record, while something newer depends on what it wrote: a deal, touch or
lead added later on a contact it created, a contact or deal from elsewhere on an account it
created, or a record it created that someone changed since (its ``updated_at``: contacts,
accounts and deals alike). A record it updated whose fields someone changed since is left as
it is (undo would silently throw their change away): the job keeps which and why
(``ImportJob.undo_notes``). Every check is set-based; the writes go chunk by chunk in one
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Model, QuerySet
from django.utils import timezone

from tandem.audit import events as audit
from tandem.handoff.models import Lead
from tandem.imports.chunks import plain
from tandem.imports.models import ImportJob, ImportRecord
from tandem.ops.rows import tuples_insert, tuples_update
from tandem.people.consent import consent_entries_append
from tandem.people.hooks import contacts_changed_announce
from tandem.people.models import Account, Consent, Contact, LifecycleMove, Touch
from tandem.sales.models import Deal, DealStageMove
from tandem.segments.models import Segment, SegmentMember

MODELS: dict[str, type[Model]] = {"contact": Contact, "account": Account, "deal": Deal}
NOUNS = {"contact": "contact", "account": "account", "deal": "deal"}
CHUNK = 5_000
LABEL_FIELD = {"contact": "email", "account": "name", "deal": "name"}
# The notes kept on the job: enough to act on, not a second copy of a huge import.
NOTES_KEPT = 1_000


def _ids(job: ImportJob, record_type: str, action: str) -> QuerySet:
    return ImportRecord.objects.filter(job=job, record_type=record_type, action=action).values(
        "record_id"
    )


def _label(record_type: str, pk: int) -> str:
    value = (
        MODELS[record_type]
        ._default_manager.filter(pk=pk)
        .values_list(LABEL_FIELD[record_type], flat=True)
        .first()
    )
    return f"{NOUNS[record_type]} {value or pk}"


def undo_problem(job: ImportJob) -> str | None:
    """Why this import cannot be undone (naming the record), or None."""
    created_contacts = _ids(job, "contact", ImportRecord.Action.CREATED)
    created_accounts = _ids(job, "account", ImportRecord.Action.CREATED)
    created_deals = _ids(job, "deal", ImportRecord.Action.CREATED)
    later = Deal.objects.filter(contact_id__in=created_contacts).exclude(pk__in=created_deals)
    named = later.values_list("name", "contact__email").first()
    if named:
        return f"deal '{named[0]}' was added later to {named[1]}, a contact this import created"
    for model, what in ((Touch, "a touch"), (Lead, "a hand-off")):
        email = (
            model.objects.filter(contact_id__in=created_contacts)
            .values_list("contact__email", flat=True)
            .first()
        )
        if email:
            return f"{what} was recorded later for {email}, a contact this import created"
    other = Contact.objects.filter(account_id__in=created_accounts).exclude(pk__in=created_contacts)
    found = other.values_list("email", "account__name").first()
    if found:
        return f"contact {found[0]} was added later to {found[1]}, an account this import created"
    deal = Deal.objects.filter(account_id__in=created_accounts).exclude(pk__in=created_deals)
    found = deal.values_list("name", "account__name").first()
    if found:
        return f"deal '{found[0]}' was added later to {found[1]}, an account this import created"
    return _changed_since(job)


def _changed_since(job: ImportJob) -> str | None:
    finished = job.finished_at or timezone.now()
    for record_type, model in MODELS.items():
        later = (
            model._default_manager.filter(
                pk__in=_ids(job, record_type, ImportRecord.Action.CREATED),
                updated_at__gt=finished + dt.timedelta(seconds=1),
            )
            .values_list("pk", flat=True)
            .first()
        )
        if later:
            return f"{_label(record_type, later)} was changed after the import"
    return None


def _records(job: ImportJob, record_type: str, action: str) -> Iterator[list[ImportRecord]]:
    records = ImportRecord.objects.filter(job=job, record_type=record_type, action=action)
    last = 0
    while batch := list(records.filter(pk__gt=last).order_by("pk")[:CHUNK]):
        last = batch[-1].pk
        yield batch


def undo_left_alone(job: ImportJob, record_type: str) -> dict[int, str]:
    """The records of ``record_type`` the import updated whose fields someone changed (or
    that were deleted) since, by id, each with why: the undo leaves them as they are."""
    model = MODELS[record_type]
    label = LABEL_FIELD[record_type]
    left: dict[int, str] = {}
    for batch in _records(job, record_type, ImportRecord.Action.UPDATED):
        fields = {k for r in batch for k in r.after if not k.startswith("consent.")}
        now = {
            row["id"]: row
            for row in model._default_manager.filter(pk__in=[r.record_id for r in batch]).values(
                "id", label, *fields
            )
        }
        for record in batch:
            current = now.get(record.record_id)
            if current is None:
                left[record.record_id] = (
                    f"{NOUNS[record_type]} {record.record_id} was deleted after the import"
                )
                continue
            changed = [
                name.removesuffix("_id").replace("_", " ")
                for name, value in record.after.items()
                if name in current
                and plain(current[name]) != value
                and not _same(current[name], value)
            ]
            if changed:
                left[record.record_id] = (
                    f"{NOUNS[record_type]} {current[label] or record.record_id} left as it is: "
                    f"its {', '.join(changed)} {'was' if len(changed) == 1 else 'were'} "
                    "changed after the import"
                )
    return left


def _same(current: Any, value: Any) -> bool:
    # Numbers kept as text in the record (amounts), datetimes with or without a zone.
    if isinstance(current, dt.datetime) and isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        return abs((current - parsed).total_seconds()) < 0.001
    return str(current) == str(value)


def job_undo(job: ImportJob, user: Any) -> list[str]:
    """Restore and remove what the job wrote; the caller checked ``undo_problem``. Returns
    (and keeps on the job) the records it left alone, each with why."""
    with transaction.atomic(), audit.batched():
        left = {t: undo_left_alone(job, t) for t in MODELS}
        restored = sum(_restore(job, t, left[t]) for t in MODELS)
        removed = sum(_remove(job, t) for t in ("deal", "contact", "account"))
        notes = [note for t in MODELS for note in left[t].values()]
        kept = notes[:NOTES_KEPT]
        if len(notes) > NOTES_KEPT:
            kept.append(f"and {len(notes) - NOTES_KEPT} more records left as they are")
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.UNDONE, undone_at=timezone.now(), undo_notes=kept
        )
        audit.record_changes(
            actor=user,
            obj=job,
            changes={
                "status": [job.status, "undone"],
                "removed": [None, removed],
                "restored": [None, restored],
                "left_alone": [None, len(notes)],
            },
            via="import undo",
        )
    job.refresh_from_db()
    return notes


def _restore(job: ImportJob, record_type: str, left: dict[int, str]) -> int:
    model = MODELS[record_type]
    total = 0
    for whole in _records(job, record_type, ImportRecord.Action.UPDATED):
        batch = [r for r in whole if r.record_id not in left]
        if not batch:
            continue
        groups: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
        for record in batch:
            before = {k: v for k, v in record.before.items() if not k.startswith("consent.")}
            if before:
                names = tuple(sorted(before))
                groups[names].append((*(before[n] for n in names), record.record_id))
        for names, rows in groups.items():
            tuples_update(model, names, rows)
        if record_type == "contact":
            _consents_restore(batch)
            ids = [r.record_id for r in batch]
            _moves_remove(job, LifecycleMove, "contact_id", ids)
            contacts_changed_announce(ids)
        if record_type == "deal":
            _moves_remove(job, DealStageMove, "deal_id", [r.record_id for r in batch])
        total += len(batch)
    return total


def _moves_remove(job: ImportJob, model: type[Model], key: str, ids: list[int]) -> None:
    """The stage moves the import recorded on records it updated."""
    if job.started_at is None:
        return
    model._default_manager.filter(
        **{f"{key}__in": ids},
        moved_at__gte=job.started_at,
        moved_at__lte=(job.finished_at or timezone.now()),
        moved_by_id=job.created_by_id,
    ).delete()


def _consents_restore(batch: list[ImportRecord]) -> None:
    changed = [r for r in batch if "consent.email" in r.before]
    if not changed:
        return
    Consent.objects.filter(contact_id__in=[r.record_id for r in changed], channel="email").delete()
    old = [(r.record_id, r.before["consent.email"]) for r in changed if r.before["consent.email"]]
    tuples_insert(
        Consent,
        ("contact_id", "channel", "is_granted", "source", "wording", "recorded_at"),
        ((cid, "email", v[0], v[1], "", dt.datetime.fromisoformat(v[2])) for cid, v in old),
    )
    # The log is append-only: the undo is one more statement, back to the state before (a
    # contact without consent before ends withdrawn in the log, without a row in ``Consent``).
    restored = dict(old)
    consent_entries_append(
        statements=[
            (
                r.record_id,
                bool(restored[r.record_id][0]) if r.record_id in restored else False,
                r.after["consent.email"][0] if r.after.get("consent.email") else None,
            )
            for r in changed
        ],
        at=timezone.now(),
        source="import undone",
    )


def _remove(job: ImportJob, record_type: str) -> int:
    model = MODELS[record_type]
    total = 0
    for batch in _records(job, record_type, ImportRecord.Action.CREATED):
        ids = [r.record_id for r in batch]
        if record_type == "contact":
            _memberships_forget(ids)
        model._default_manager.filter(pk__in=ids).delete()
        total += len(ids)
    return total


def _memberships_forget(contact_ids: list[int]) -> None:
    """Segments count the removed contacts' memberships one fewer each."""
    counts = (
        SegmentMember.objects.filter(contact_id__in=contact_ids)
        .values("segment_id")
        .annotate(n=Count("id"))
    )
    for row in counts:
        Segment.objects.filter(pk=row["segment_id"]).update(
            member_count=F("member_count") - row["n"]
        )
