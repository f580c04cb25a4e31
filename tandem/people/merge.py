"""Merging two contacts, or two accounts: one record kept, everything of the other moved.

``contact_merge`` and ``account_merge`` are the one way to do it, for the merge page and the
API alike. In one transaction, with both rows locked:

1. The apps above are asked what the merge would break (``people.hooks.CONTACTS_MERGING``:
   the hand-off refuses two waiting leads with different reps and names both); any problem
   refuses the whole merge with that sentence, nothing written.
2. Every row of every app that points at the merged record is moved to the kept one
   (``people.relink.references_move``: touches, lifecycle moves, consents, deals, leads,
   segment memberships, comments, survey answers, and tables added later); rows a unique
   constraint allows once are settled there (the kept one's, or the newer consent).
3. The merged record is deleted; the kept one takes the value chosen field by field
   (``choices``: field -> "kept" or "merged", custom values as ``custom.<key>``; audience
   types may also be "both"); unchosen fields keep the kept record's value unless it is blank.
   A contact's first touch is the earlier of the two, its last touch the later.
4. The address not kept stays findable as an ``EmailAlias`` of the kept contact: a later form
   submission, import or touch with it lands on the kept contact.
5. One audit entry on the kept record names the merged id, the choices and the rows moved
   (and one deletion entry for the merged record); the listeners of
   ``people.hooks.CONTACTS_MERGED`` fix up what they derive (the score, recomputed once;
   segment counts); ``contact.merged`` is announced to the company's other systems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.people import hooks, relink
from tandem.people.business_events import contact_event
from tandem.people.dismissals import duplicate_dismissals_forget
from tandem.people.hooks import INPUT_ACCOUNT
from tandem.people.models import Account, Contact, EmailAlias, LifecycleMove

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "account",
    "owner",
    "audience_flags",
    "lifecycle_stage",
    "nurture_until",
    "external_id",
)
ACCOUNT_FIELDS = ("name", "domain", "industry", "size_band", "region", "owner", "external_id")
FOREIGN_KEYS = ("account", "owner")
ATTRIBUTION = ("at", "source", "medium", "campaign_id")
KEPT, MERGED, BOTH = "kept", "merged", "both"


@dataclass(frozen=True)
class Difference:
    """One field whose values differ between the two records, and which sides may be chosen."""

    field: str
    label: str
    kept: Any
    merged: Any
    default: str
    sides: tuple[str, ...] = (KEPT, MERGED)


@dataclass
class MergeResult:
    """What a merge did: the kept record, the merged id, the choices made and the rows moved
    per reference (``[moved, dropped as duplicates]``)."""

    kept: Any
    merged_id: int
    choices: dict[str, str]
    moved: dict[str, list[int]] = field(default_factory=dict)


def _resource(record: models.Model) -> str:
    return "contact" if isinstance(record, Contact) else "account"


def _value(record: Any, name: str) -> Any:
    if name.startswith("custom."):
        return (record.custom or {}).get(name.removeprefix("custom."))
    if name in FOREIGN_KEYS:
        return getattr(record, f"{name}_id")
    return getattr(record, name)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _label(record: Any, name: str) -> str:
    if name.startswith("custom."):
        return name.removeprefix("custom.").replace("_", " ").capitalize()
    return str(record._meta.get_field(name).verbose_name).capitalize()


def merge_differences(*, kept: Any, merged: Any) -> list[Difference]:
    """The fields (and custom values) where the two records differ, with the default side:
    the kept record's value unless it is blank; audience types default to both."""
    names = CONTACT_FIELDS if isinstance(kept, Contact) else ACCOUNT_FIELDS
    custom_keys = sorted(set(kept.custom or {}) | set(merged.custom or {}))
    found = []
    for name in (*names, *(f"custom.{key}" for key in custom_keys)):
        a, b = _value(kept, name), _value(merged, name)
        if a == b:
            continue
        if name == "audience_flags":
            found.append(Difference(name, "Audience", a, b, BOTH, (KEPT, MERGED, BOTH)))
            continue
        default = MERGED if _blank(a) else KEPT
        found.append(Difference(name, _label(kept, name), a, b, default))
    return found


def _chosen(kept: Any, merged: Any, choices: dict[str, str]) -> tuple[dict[str, Any], dict]:
    """The new values of the kept record (only those that change) and every side taken."""
    differences = {d.field: d for d in merge_differences(kept=kept, merged=merged)}
    names = CONTACT_FIELDS if isinstance(kept, Contact) else ACCOUNT_FIELDS
    for name in choices:
        known = name in names or name.removeprefix("custom.") in (kept.custom or {}) | (
            merged.custom or {}
        )
        if not known:
            raise InvalidInput.field(f"choices.{name}", "no such field to choose")
    values, sides = {}, {}
    for name, difference in differences.items():
        side = choices.get(name) or difference.default
        if side not in difference.sides:
            raise InvalidInput.field(
                f"choices.{name}", f"choose one of {', '.join(difference.sides)}"
            )
        sides[name] = side
        if side == BOTH:
            values[name] = difference.kept | difference.merged
        elif side == MERGED:
            values[name] = difference.merged
    return values, sides


def _pair_check(user: Any, kept: Any, merged: Any) -> None:
    if kept.pk == merged.pk:
        raise InvalidInput.field("merged_id", "a record cannot be merged with itself")
    resource = _resource(kept)
    for record in (kept, merged):
        if not policies.can(user, "change", f"{resource}_merge", record):
            raise PermissionDenied(f"Your role may not merge {record} with another {resource}.")


def _locked(model: type[models.Model], kept_id: int, merged_id: int) -> tuple[Any, Any]:
    """Both rows, locked in id order (two merges of the same pair never deadlock)."""
    rows = {
        r.pk: r
        for r in model._default_manager.select_for_update()
        .filter(pk__in=sorted((kept_id, merged_id)))
        .order_by("pk")
    }
    if len(rows) != 2:
        raise InvalidInput.field("merged_id", "one of the two records no longer exists")
    return rows[kept_id], rows[merged_id]


def merge_refusal(*, kept: Any, merged: Any) -> str:
    """Why the listeners refuse this merge, in sentences; empty when nothing stands in the way."""
    return " ".join(hooks.merge_problems(kind=_resource(kept), kept=kept, merged=merged))


def _refuse_if_problems(kept: Any, merged: Any) -> None:
    refusal = merge_refusal(kept=kept, merged=merged)
    if refusal:
        raise InvalidInput.field("merge", refusal)


def _values_apply(record: Any, values: dict[str, Any]) -> None:
    custom = dict(record.custom or {})
    for name, value in values.items():
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            if value is None:
                custom.pop(key, None)
            else:
                custom[key] = value
        elif name in FOREIGN_KEYS:
            setattr(record, f"{name}_id", value)
        elif name not in ("email", "lifecycle_stage"):
            setattr(record, name, value)
    record.custom = custom


def _attribution_merge(kept: Contact, merged: Contact) -> None:
    """First touch: the earlier of the two; last touch: the later."""
    for end, earlier in (("first", True), ("last", False)):
        theirs, ours = getattr(merged, f"{end}_touch_at"), getattr(kept, f"{end}_touch_at")
        if theirs is None or (ours is not None and (theirs >= ours if earlier else theirs <= ours)):
            continue
        for part in ATTRIBUTION:
            name = f"{end}_touch_{part}"
            setattr(kept, name, getattr(merged, name))


def _stage_take(kept: Contact, stage: str, *, actor: Any, merged_id: int, at: Any) -> None:
    """The merged contact's stage was chosen: one lifecycle move records it (a correction of
    the record, not a step of the funnel, so the entry rules are not asked)."""
    LifecycleMove.objects.create(
        contact=kept,
        from_stage=kept.lifecycle_stage,
        to_stage=stage,
        moved_at=at,
        moved_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=f"Merged with contact #{merged_id}: their stage kept.",
    )
    kept.lifecycle_stage, kept.lifecycle_changed_at = stage, at


def _audit_merge(*, user: Any, kept: Any, before: dict, result: MergeResult, via: str) -> None:
    after = audit.snapshot(kept)
    changes: dict[str, list[Any]] = {
        k: [before.get(k), v]
        for k, v in after.items()
        if before.get(k) != v and k not in audit.BOOKKEEPING_FIELDS
    }
    changes["merged_id"] = [None, result.merged_id]
    changes["merge_choices"] = [None, result.choices]
    changes["merge_rows_moved"] = [None, result.moved]
    audit.record_changes(actor=user, obj=kept, changes=changes, via=via)


def contact_merge(
    *,
    user: Any,
    kept: Contact,
    merged: Contact,
    choices: dict[str, str] | None = None,
    via: str = "ui",
) -> MergeResult:
    """Merge ``merged`` into ``kept`` (see the module's docstring); returns what was done.

    Refused (``InvalidInput`` on ``merge``) when a listener names a problem; a choice of an
    unknown field or side is ``InvalidInput`` on ``choices.<field>``."""
    _pair_check(user, kept, merged)
    now = timezone.now()
    with transaction.atomic():
        kept, merged = _locked(Contact, kept.pk, merged.pk)
        _refuse_if_problems(kept, merged)
        values, sides = _chosen(kept, merged, choices or {})
        before = audit.snapshot(kept)
        result = MergeResult(kept, merged.pk, sides)
        result.moved = relink.references_move(Contact, merged.pk, kept.pk)
        audit.record_deleted(actor=user, obj=merged, via=via)
        Contact.objects.filter(pk=merged.pk).delete()
        duplicate_dismissals_forget(kind="contact", record_id=merged.pk)
        old_email = kept.email
        _attribution_merge(kept, merged)
        _values_apply(kept, values)
        if "lifecycle_stage" in values:
            _stage_take(kept, values["lifecycle_stage"], actor=user, merged_id=merged.pk, at=now)
        kept.email = values.get("email", kept.email)
        kept.save()
        alias = old_email if kept.email != old_email else merged.email
        EmailAlias.objects.update_or_create(
            email=alias,
            defaults={"contact": kept, "merged_contact_id": merged.pk, "created_at": now},
        )
        _audit_merge(user=user, kept=kept, before=before, result=result, via=via)
        hooks.merged_announce(kind="contact", kept=kept, merged_id=merged.pk, actor=user)
        hooks.contacts_changed_announce([kept.pk])
        contact_event("contact.merged", kept, merged_id=merged.pk)
    return result


def account_merge(
    *,
    user: Any,
    kept: Account,
    merged: Account,
    choices: dict[str, str] | None = None,
    via: str = "ui",
) -> MergeResult:
    """Merge account ``merged`` into ``kept``: its contacts, touches, deals (also as partner),
    orders and comments move; fields chosen as for contacts. Refused as ``contact_merge``."""
    _pair_check(user, kept, merged)
    with transaction.atomic():
        kept, merged = _locked(Account, kept.pk, merged.pk)
        _refuse_if_problems(kept, merged)
        values, sides = _chosen(kept, merged, choices or {})
        before = audit.snapshot(kept)
        result = MergeResult(kept, merged.pk, sides)
        result.moved = relink.references_move(Account, merged.pk, kept.pk)
        audit.record_deleted(actor=user, obj=merged, via=via)
        Account.objects.filter(pk=merged.pk).delete()
        duplicate_dismissals_forget(kind="account", record_id=merged.pk)
        _values_apply(kept, values)
        kept.save()
        _audit_merge(user=user, kept=kept, before=before, result=result, via=via)
        hooks.merged_announce(kind="account", kept=kept, merged_id=merged.pk, actor=user)
        hooks.contacts_changed_announce(
            Contact.objects.filter(account=kept).values_list("pk", flat=True),
            inputs={INPUT_ACCOUNT},
        )
    return result
