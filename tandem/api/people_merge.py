"""API routes for likely duplicates and merging two contacts or two accounts (people's router).

Registered on ``api.people.router``: the same ``/api/v1/`` prefix and tags as the records.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from tandem.api.people import ERRORS, router
from tandem.people import duplicates, merge
from tandem.people.schemas import MergeIn


class DuplicateGroupOut(Schema):
    ids: list[int]
    reasons: list[str]


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
    return [{"ids": g.ids, "reasons": g.reasons} for g in found]


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
