""" "Not a duplicate": a pair of contacts (or accounts) a user took off the duplicates list.

Dismissing a pair takes the same right as merging it (``contact_merge`` / ``account_merge``
``change`` on both records), is audited, and is undone the same way. The list leaves a
dismissed pair out while both records still have the address (for accounts, the domain) they
had when it was dismissed: a changed address is new evidence the user has not judged (the same
person at a new address, or a typo fixed into a real match), so the pair is listed again and
the stale dismissal is ignored. Names are not remembered: they are corrected far more often
than addresses and are the weaker evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.people.models import Account, Contact, DuplicateDismissal

KINDS = DuplicateDismissal.Kind.values


def record_key(record: Any) -> str:
    """What a dismissal remembers of a record: a contact's address, an account's domain."""
    if isinstance(record, Contact):
        return record.email
    return (record.domain or "").strip().lower()


def _model(kind: str) -> Any:
    if kind not in KINDS:
        raise InvalidInput.field("kind", f"use one of {', '.join(KINDS)}")
    return Contact if kind == "contact" else Account


def _pair_for_user(user: Any, kind: str, ids: Iterable[int]) -> tuple[Any, Any]:
    """Both records, ordered by id, each one the user may see and may merge."""
    model = _model(kind)
    pair = sorted({int(i) for i in ids})
    if len(pair) != 2:
        raise InvalidInput.field("ids", "name two different records")
    resource = "contact" if kind == "contact" else "account"
    records = []
    for pk in pair:
        record = policies.get_visible(user, resource, model._default_manager.all(), pk)
        policies.require(user, "change", f"{kind}_merge", record)
        records.append(record)
    return records[0], records[1]


def duplicate_dismiss(
    *, user: Any, kind: str, ids: Iterable[int], via: str = "ui"
) -> DuplicateDismissal:
    """Take the pair off the duplicates list (see the module); dismissing it again refreshes
    the remembered addresses."""
    low, high = _pair_for_user(user, kind, ids)
    values = {
        "low_key": record_key(low),
        "high_key": record_key(high),
        "dismissed_by": user if getattr(user, "is_authenticated", False) else None,
        "dismissed_at": timezone.now(),
    }
    with transaction.atomic():
        existing = (
            DuplicateDismissal.objects.select_for_update()
            .filter(kind=kind, low_id=low.pk, high_id=high.pk)
            .first()
        )
        if existing is not None:
            before = audit.snapshot(existing)
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save()
            audit.record_updated(actor=user, obj=existing, before=before, via=via)
            return existing
        try:
            with transaction.atomic():
                dismissal = DuplicateDismissal.objects.create(
                    kind=kind, low_id=low.pk, high_id=high.pk, **values
                )
        except IntegrityError:
            # Two people dismissed the same pair at once; the first one stands.
            return DuplicateDismissal.objects.get(kind=kind, low_id=low.pk, high_id=high.pk)
        audit.record_created(actor=user, obj=dismissal, via=via)
    return dismissal


def duplicate_dismissal_undo(*, user: Any, dismissal: DuplicateDismissal, via: str = "ui") -> None:
    """Put the pair back on the duplicates list."""
    model = _model(dismissal.kind)
    for record in model._default_manager.filter(pk__in=(dismissal.low_id, dismissal.high_id)):
        policies.require(user, "change", f"{dismissal.kind}_merge", record)
    with transaction.atomic():
        audit.record_deleted(actor=user, obj=dismissal, via=via)
        dismissal.delete()


def duplicate_dismissals_forget(*, kind: str, record_id: int) -> int:
    """A record merged away takes its dismissals with it (its pairs no longer exist)."""
    gone, _ = DuplicateDismissal.objects.filter(
        Q(low_id=record_id) | Q(high_id=record_id), kind=kind
    ).delete()
    return gone


def duplicate_dismissals_for_user(*, user: Any, kind: str) -> QuerySet[DuplicateDismissal]:
    """The dismissed pairs of records the user may merge, newest first."""
    model = _model(kind)
    mergeable = policies.visible(user, f"{kind}_merge", model._default_manager.all(), "change")
    ids = mergeable.values("pk")
    return DuplicateDismissal.objects.filter(
        kind=kind, low_id__in=ids, high_id__in=ids
    ).select_related("dismissed_by")


@dataclass(frozen=True)
class ShownDismissal:
    """A dismissed pair as the duplicates page shows it: the two records (None once gone) and
    whether it still stands (neither address, or domain, changed since)."""

    dismissal: DuplicateDismissal
    low: Any
    high: Any
    is_standing: bool


def duplicate_dismissals_shown(*, user: Any, kind: str, limit: int = 50) -> list[ShownDismissal]:
    """The newest dismissed pairs of records the user may merge, for the duplicates page.
    Two queries."""
    found = list(duplicate_dismissals_for_user(user=user, kind=kind)[:limit])
    ids = {pk for d in found for pk in (d.low_id, d.high_id)}
    records = _model(kind)._default_manager.in_bulk(ids)
    shown = []
    for d in found:
        low, high = records.get(d.low_id), records.get(d.high_id)
        standing = (
            low is not None
            and high is not None
            and (record_key(low), record_key(high)) == (d.low_key, d.high_key)
        )
        shown.append(ShownDismissal(d, low, high, standing))
    return shown


def duplicate_dismissal_get_for_user(*, user: Any, dismissal_id: int) -> DuplicateDismissal:
    """One dismissal whose records the user may merge; 404 when there is none, 403 when the
    user may not merge one of the two."""
    dismissal = DuplicateDismissal.objects.filter(pk=dismissal_id).first()
    if dismissal is None:
        raise Http404("No such dismissal")
    model = _model(dismissal.kind)
    for record in model._default_manager.filter(pk__in=(dismissal.low_id, dismissal.high_id)):
        if not policies.can(user, "change", f"{dismissal.kind}_merge", record):
            raise PermissionDenied(f"Your role may not merge {record}.")
    return dismissal


def dismissed_pairs(*, kind: str, records: Iterable[Any]) -> set[tuple[int, int]]:
    """The pairs among these records that stand dismissed: dismissed, and neither record's
    address (domain) changed since. One query."""
    by_id = {r.pk: r for r in records}
    if len(by_id) < 2:
        return set()
    rows = DuplicateDismissal.objects.filter(
        kind=kind, low_id__in=list(by_id), high_id__in=list(by_id)
    ).values_list("low_id", "high_id", "low_key", "high_key")
    return {
        (low, high)
        for low, high, low_key, high_key in rows
        if record_key(by_id[low]) == low_key and record_key(by_id[high]) == high_key
    }
