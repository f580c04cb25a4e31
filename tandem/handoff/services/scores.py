"""Rescoring contacts: one at a time after a touch, or set-based for a batch or everyone."""

from __future__ import annotations

from collections.abc import Sequence

from tandem.handoff import rescoring, scoring
from tandem.handoff.models import Lead
from tandem.handoff.services.leads import lead_hand_off
from tandem.ops import rows
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact
from tandem.segments.freshness import segments_refresh_on_commit
from tandem.segments.services import segments_refresh_for_contacts

# Stages from which a contact can still become a new MQL.
QUALIFIABLE = frozenset({Stage.SUBSCRIBER, Stage.LEAD, Stage.RECYCLED})


def contact_rescore(*, contact: Contact, via: str = "scoring", unsaved: Sequence[str] = ()) -> int:
    """Recompute the rule score; at the threshold the contact becomes an MQL and is handed off.

    ``unsaved``: fields the caller changed on ``contact`` and leaves to this write."""
    profile = scoring.profile()
    result = scoring.score_contact(contact, prof=profile)
    values = {
        "score": result.total,
        "fit_score": result.fit,
        "engagement_score": result.engagement,
        "grade": result.grade,
    }
    moved = [name for name, value in values.items() if getattr(contact, name) != value]
    for name in moved:
        setattr(contact, name, values[name])
    changed = [*dict.fromkeys([*unsaved, *moved])]
    # A nurture date does not hold back a recycled lead who raises a hand again: they have
    # re-earned their score since the recycling (scoring.engagement_since).
    hand_off = result.total >= profile.threshold and contact.lifecycle_stage in QUALIFIABLE
    if changed and not hand_off:
        rows.row_update(contact, [*changed, "updated_at"])
    # A touch logged or deleted, or the score moved: the contact's segments may change.
    segments_refresh_on_commit([contact.pk])
    if hand_off:
        # The new score is written with the hand-off's lifecycle move.
        lead_hand_off(contact=contact, via=via, threshold=profile.threshold, unsaved=changed)
    return result.total


def contacts_rescore_all(*, hand_off: bool = True) -> dict[str, int]:
    """Recompute every contact's score set-based; hand off those now at the threshold and
    refresh the score-based segments of the contacts whose score changed.

    Returns how many contacts were rescored, changed and handed off.
    """
    return _rescore_bulk(contact_ids=None, hand_off=hand_off, via="rescore")


def contacts_rescore_for_touches(
    *, contact_ids: Sequence[int], hand_off: bool = True, via: str = "api:batch"
) -> dict[str, int]:
    """Rescore a batch of touched contacts with the same set-based code as the full
    recompute; the ones newly at the threshold become MQLs and are routed to a rep. Segment
    membership is refreshed for every one of them (their new touches may match behaviour
    conditions even where the score stayed)."""
    return _rescore_bulk(contact_ids=list(contact_ids), hand_off=hand_off, via=via)


def _rescore_bulk(*, contact_ids: list[int] | None, hand_off: bool, via: str) -> dict[str, int]:

    done = rescoring.rescore(contact_ids=contact_ids)
    handed = 0
    if hand_off and done.ready_ids:
        handed = _hand_off_ready(done.ready_ids, via=via, threshold=done.threshold)
    # Score conditions of segments read the new scores; a hand-off changes stage and owner.
    # Touched contacts are all refreshed: their touches feed behaviour conditions.
    refreshed = done.changed_ids if contact_ids is None else contact_ids
    segments_refresh_for_contacts(refreshed)
    return {"rescored": done.rescored, "changed": len(done.changed_ids), "handed_off": handed}


def _hand_off_ready(ready_ids: list[int], *, via: str, threshold: int) -> int:
    """Hand off each ready contact that has no waiting lead yet, one transaction each (a
    routing failure for one contact must not undo the others' hand-offs)."""
    handed = 0
    for start in range(0, len(ready_ids), 500):
        chunk = ready_ids[start : start + 500]
        ready = (
            Contact.objects.filter(pk__in=chunk, lifecycle_stage__in=QUALIFIABLE)
            .exclude(leads__status=Lead.Status.WAITING)
            .select_related("account", "last_touch_campaign", "first_touch_campaign")
            .order_by("pk")
        )
        for contact in ready:
            lead_hand_off(contact=contact, via=via, threshold=threshold)
            handed += 1
    return handed
