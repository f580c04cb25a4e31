"""Use cases on the reps who take leads: how many they may hold waiting, and whether they are
away (routing skips them)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput

# More waiting leads than any rep could touch within the first-touch promise.
MAX_LEAD_CAPACITY = 500


def _capacity(value: Any) -> int:
    if isinstance(value, bool):
        value = None  # True is not a number of leads
    try:
        capacity = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput.field("lead_capacity", "give a whole number of leads") from None
    if capacity < 1:
        raise InvalidInput.field(
            "lead_capacity", "a rep holds at least 1 waiting lead; mark them away instead"
        )
    if capacity > MAX_LEAD_CAPACITY:
        raise InvalidInput.field(
            "lead_capacity", f"at most {MAX_LEAD_CAPACITY} waiting leads: nobody touches more"
        )
    return capacity


def rep_availability_set(
    *,
    actor: Any,
    rep: Any,
    lead_capacity: Any = None,
    is_available_for_leads: bool | None = None,
    via: str = "ui",
) -> Any:
    """Set how many waiting leads a rep may hold (1 to 500) and whether they are away; only
    what is given changes. A sales manager sets them for their team, an admin for anyone. The
    next hand-off reads them (routing locks the rep rows it weighs)."""
    policies.require(actor, "change", "rep_availability", rep)
    changes: dict[str, list[Any]] = {}
    if lead_capacity is not None:
        capacity = _capacity(lead_capacity)
        changes["lead_capacity"] = [rep.lead_capacity, capacity]
    if is_available_for_leads is not None:
        changes["is_available_for_leads"] = [rep.is_available_for_leads, is_available_for_leads]
    changed = {name: pair for name, pair in changes.items() if pair[0] != pair[1]}
    if not changed:
        return rep
    with transaction.atomic():
        for name, (_, value) in changed.items():
            setattr(rep, name, value)
        rep.save(update_fields=list(changed))
        audit.record_changes(actor=actor, obj=rep, changes=changed, via=via)
    return rep
