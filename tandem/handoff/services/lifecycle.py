"""A contact's place in the relay moved by hand (recycle, disqualify, any stage) and the
nurture that ends on its date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import nurture
from tandem.handoff.services.leads import NURTURE_DAYS, nurture_date_parse
from tandem.handoff.services.scores import contact_rescore
from tandem.people import services as people
from tandem.people.lifecycle import Stage, move_problem
from tandem.people.models import Contact, LifecycleMove


def contact_recycle(
    *, actor: Any, contact: Contact, reason: str, nurture_until: Any = None, via: str = "ui"
) -> LifecycleMove:
    """Send a contact back to marketing by hand, with a reason and a nurture date (90 days
    unless given): they join the nurture segment until then."""
    policies.require(actor, "change", "contact", contact)
    day = nurture_date_parse(nurture_until) or timezone.localdate() + dt.timedelta(
        days=NURTURE_DAYS
    )
    with transaction.atomic():
        move = people.lifecycle_move(
            contact=contact, to_stage=Stage.RECYCLED, actor=actor, reason=reason, via=via
        )
        _nurture_set(contact=contact, day=day, actor=actor, via=via)
        nurture.nurture_member_add(contact=contact)
    return move


def contact_disqualify(
    *, actor: Any, contact: Contact, reason: str, via: str = "ui"
) -> LifecycleMove:
    """Take a contact out of the relay by hand, with a reason; their nurture ends."""
    policies.require(actor, "change", "contact", contact)
    with transaction.atomic():
        move = people.lifecycle_move(
            contact=contact, to_stage=Stage.DISQUALIFIED, actor=actor, reason=reason, via=via
        )
        _nurture_set(contact=contact, day=None, actor=actor, via=via)
        nurture.nurture_member_remove(contact=contact)
    return move


def contact_stage_move(
    *,
    actor: Any,
    contact: Contact,
    to_stage: str,
    reason: str = "",
    nurture_until: Any = None,
    via: str = "ui",
) -> LifecycleMove:
    """A person moves a contact's lifecycle stage by hand (the contact page, the API).

    Recycling and disqualifying go through ``contact_recycle`` and ``contact_disqualify``, so
    a recycled contact always has a nurture date and is in the nurture segment; moving a
    recycled contact anywhere else by hand ends their nurture. ``nurture_until`` is only for
    a move to recycled."""
    if to_stage == Stage.RECYCLED:
        return contact_recycle(
            actor=actor, contact=contact, reason=reason, nurture_until=nurture_until, via=via
        )
    if nurture_until not in (None, ""):
        raise InvalidInput.field("nurture_until", "only a contact being recycled is nurtured")
    if to_stage == Stage.DISQUALIFIED:
        return contact_disqualify(actor=actor, contact=contact, reason=reason, via=via)
    was_nurtured = contact.lifecycle_stage == Stage.RECYCLED or contact.nurture_until is not None
    with transaction.atomic():
        move = people.lifecycle_move_by_user(
            actor=actor, contact=contact, to_stage=to_stage, reason=reason, via=via
        )
        if was_nurtured:
            _nurture_set(contact=contact, day=None, actor=actor, via=via)
            nurture.nurture_member_remove(contact=contact)
    return move


def _nurture_set(*, contact: Contact, day: dt.date | None, actor: Any, via: str) -> None:
    """Write the contact's nurture date, with its audit entry, when it changes."""
    if contact.nurture_until == day:
        return
    audit.record_changes(
        actor=actor, obj=contact, changes={"nurture_until": [contact.nurture_until, day]}, via=via
    )
    contact.nurture_until = day
    contact.save(update_fields=["nurture_until", "updated_at"])


def contacts_nurture_end(*, today: dt.date | None = None) -> dict[str, int]:
    """End the nurture of every contact whose nurture date has passed (the day after it):
    the date is cleared, they leave the nurture segment, a recycled contact goes back to
    marketing's active leads (a lifecycle move saying why), and they are rescored, so one
    whose score is at the threshold is handed off again.

    One transaction per contact: a refusal for one must not undo the others. Returns how many
    nurtures ended, how many went back to lead and how many were handed off."""

    today = today or timezone.localdate()
    due = Contact.objects.filter(nurture_until__lt=today).order_by("pk")
    counts = {"ended": 0, "back_to_lead": 0, "handed_off": 0}
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic(), audit.batched():
            contact = (
                due.select_for_update(of=("self",))
                .select_related("account", "last_touch_campaign", "first_touch_campaign")
                .filter(pk=pk)
                .first()
            )
            if contact is None:
                continue  # qualified again or moved by hand since the list was read
            ended = contact.nurture_until
            assert ended is not None
            why = f"nurture ended {ended:%Y-%m-%d}"
            audit.record_changes(
                actor=None, obj=contact, changes={"nurture_until": [ended, None]}, via="nurture"
            )
            contact.nurture_until = None
            unsaved = ["nurture_until"]
            if contact.lifecycle_stage == Stage.RECYCLED and not move_problem(
                Stage.RECYCLED, Stage.LEAD, why
            ):
                people.lifecycle_move(
                    contact=contact,
                    to_stage=Stage.LEAD,
                    reason=f"{why}: back to marketing's active leads",
                    via="nurture",
                    unsaved=unsaved,
                )
                counts["back_to_lead"] += 1
            nurture.nurture_member_remove(contact=contact)
            contact_rescore(contact=contact, via="nurture", unsaved=unsaved)
            counts["ended"] += 1
            counts["handed_off"] += contact.lifecycle_stage == Stage.MQL
    return counts
