"""API routes for likely duplicates and merging two contacts or two accounts (people's router).

Registered on ``api.people.router``: the same ``/api/v1/`` prefix and tags as the records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status

from tandem.api.schemas import ERRORS
from tandem.people import dismissals, duplicates, merge
from tandem.people.schemas import DismissalIn, MergeIn

router = Router()


class DuplicateGroupOut(Schema):
    ids: list[int]
    reasons: list[str]
    pairs: list[list[int]]


class DismissalOut(Schema):
    id: int
    kind: str
    ids: list[int]
    dismissed_by_id: int | None
    dismissed_at: dt.datetime
    is_standing: bool


class MergeDifferenceOut(Schema):
    field: str
    label: str
    kept: Any
    merged: Any
    default: str
    sides: list[str]


class RelatedCountOut(Schema):
    what: str
    kept: int
    merged: int


class MergePreviewOut(Schema):
    kept_id: int
    merged_id: int
    differences: list[MergeDifferenceOut]
    related: list[RelatedCountOut]
    refusal: str


class MergeOut(Schema):
    kept_id: int
    merged_id: int
    choices: dict[str, str]
    moved: dict[str, list[int]]


def _groups(found: list[duplicates.DuplicateGroup]) -> list[dict]:
    return [
        {"ids": g.ids, "reasons": g.reasons, "pairs": [[a.pk, b.pk] for a, b in g.pairs]}
        for g in found
    ]


def _dismissal(shown: dismissals.ShownDismissal) -> dict:
    d = shown.dismissal
    return {
        "id": d.pk,
        "kind": d.kind,
        "ids": [d.low_id, d.high_id],
        "dismissed_by_id": d.dismissed_by_id,
        "dismissed_at": d.dismissed_at,
        "is_standing": shown.is_standing,
    }


def _preview(user: Any, kind: str, kept_id: int, merged_id: int) -> dict:
    preview = duplicates.merge_preview(user=user, kind=kind, kept_id=kept_id, merged_id=merged_id)
    return {
        "kept_id": preview.kept.pk,
        "merged_id": preview.merged.pk,
        "differences": [{**d.__dict__, "sides": list(d.sides)} for d in preview.differences],
        "related": [{"what": w, "kept": a, "merged": b} for w, a, b in preview.counts],
        "refusal": preview.refusal,
    }


def _merge(user: Any, kind: str, payload: MergeIn) -> dict:
    kept, merged = duplicates.merge_pair_for_user(
        user=user, kind=kind, kept_id=payload.kept_id, merged_id=payload.merged_id
    )
    service = merge.contact_merge if kind == "contact" else merge.account_merge
    result = service(
        user=user,
        kept=kept,
        merged=merged,
        choices=dict(payload.choices),
        via="api",
    )
    return {
        "kept_id": result.kept.pk,
        "merged_id": result.merged_id,
        "choices": result.choices,
        "moved": result.moved,
    }


@router.get(
    "/duplicates/contacts", response={200: list[DuplicateGroupOut], **ERRORS}, tags=["merge"]
)
def contacts_duplicates(request):
    """Groups of contacts you may merge that look like one person, oldest first, with why."""
    return _groups(duplicates.contact_duplicates_for_user(user=request.auth))


@router.get(
    "/duplicates/accounts", response={200: list[DuplicateGroupOut], **ERRORS}, tags=["merge"]
)
def accounts_duplicates(request):
    """Groups of accounts you may merge that look like one company, oldest first, with why."""
    return _groups(duplicates.account_duplicates_for_user(user=request.auth))


@router.get("/merges/contacts/preview", response={200: MergePreviewOut, **ERRORS}, tags=["merge"])
def contacts_merge_preview(request, kept_id: int, merged_id: int):
    """What merging would do: differing fields, related records of each, a refusal if any."""
    return _preview(request.auth, "contact", kept_id, merged_id)


@router.post("/merges/contacts", response={200: MergeOut, **ERRORS}, tags=["merge"])
def contacts_merge(request, payload: MergeIn):
    """Merge contact ``merged_id`` into ``kept_id``: everything moves, the merged one goes and
    its address stays findable. 422 on ``merge`` with the reason when something would break
    (two open leads with different reps)."""
    return _merge(request.auth, "contact", payload)


@router.get("/merges/accounts/preview", response={200: MergePreviewOut, **ERRORS}, tags=["merge"])
def accounts_merge_preview(request, kept_id: int, merged_id: int):
    """What merging two accounts would do."""
    return _preview(request.auth, "account", kept_id, merged_id)


@router.post("/merges/accounts", response={200: MergeOut, **ERRORS}, tags=["merge"])
def accounts_merge(request, payload: MergeIn):
    """Merge account ``merged_id`` into ``kept_id``: its contacts, deals, touches, orders and
    comments move."""
    return _merge(request.auth, "account", payload)


@router.get(
    "/duplicates/dismissals",
    response={200: list[DismissalOut], **ERRORS},
    tags=["merge"],
)
def duplicates_dismissals(request, kind: str = "contact"):
    """Pairs said not to be duplicates (of records you may merge), newest first; a pair whose
    address or domain changed since (`is_standing` false) is listed as a duplicate again."""
    shown = dismissals.duplicate_dismissals_shown(user=request.auth, kind=kind, limit=500)
    return [_dismissal(s) for s in shown]


@router.post("/duplicates/dismissals", response={201: DismissalOut, **ERRORS}, tags=["merge"])
def duplicates_dismiss(request, payload: DismissalIn):
    """Not a duplicate: the two records leave the duplicates list while neither one's address
    (domain, for accounts) changes. Needs the right to merge both."""
    made = dismissals.duplicate_dismiss(
        user=request.auth, kind=payload.kind, ids=payload.ids, via="api"
    )
    return Status(201, _dismissal(dismissals.ShownDismissal(made, None, None, True)))


@router.delete(
    "/duplicates/dismissals/{dismissal_id}", response={204: None, **ERRORS}, tags=["merge"]
)
def duplicates_dismissal_undo(request, dismissal_id: int):
    """Undo a dismissal: the pair may be listed as duplicates again."""
    dismissal = dismissals.duplicate_dismissal_get_for_user(
        user=request.auth, dismissal_id=dismissal_id
    )
    dismissals.duplicate_dismissal_undo(user=request.auth, dismissal=dismissal, via="api")
    return Status(204, None)
