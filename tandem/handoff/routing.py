"""Who gets a new lead: the account's owner if they sell, else round robin among available reps."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from tandem.access.models import User
from tandem.access.roles import Role
from tandem.people.models import Contact


def rep_choose(*, contact: Contact) -> User | None:
    """Pick a rep and mark the pick, under a row lock so two leads never race to one rep.

    Must run inside a transaction.
    """
    reps = User.objects.select_for_update().filter(
        role=Role.SALES_REP, is_active=True, is_available_for_leads=True
    )
    account = contact.account
    if account is not None and account.owner_id:
        owner = reps.filter(pk=account.owner_id).first()
        if owner is not None:
            return _mark(owner)
    # A rep who never had a lead goes first (SQLite and PostgreSQL differ on NULLs by default).
    chosen = reps.order_by(F("last_lead_assigned_at").asc(nulls_first=True), "id").first()
    return _mark(chosen) if chosen else None


def _mark(rep: User) -> User:
    rep.last_lead_assigned_at = timezone.now()
    rep.save(update_fields=["last_lead_assigned_at"])
    return rep
