"""Who gets a new lead. Rules in order:

1. the account's owner, if they sell, are available and below capacity;
2. the first territory or segment rule (``RoutingRule``) that matches, to that team;
3. everyone else available.

Within the chosen pool it is round robin weighted by capacity: the rep with the smallest share
of their capacity in use goes next (a rep with capacity 20 takes twice the leads of one with
10), ties to whoever waited longest. Reps who are away or at capacity are skipped.

Every candidate rep's row is locked (``select_for_update``, in id order so two transactions
never deadlock) before their load is counted, so two leads arriving at once are assigned one
after the other and never push a rep past capacity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from tandem.access.models import User
from tandem.access.roles import Role
from tandem.people.models import Contact

ROUTING_FIELDS = ("account.region", "account.industry", "account.size_band")


@dataclass(frozen=True)
class Route:
    """The rep chosen (None when nobody can take the lead) and the rule that chose them."""

    rep: User | None
    rule: str


def _loads(rep_ids: list[int]) -> dict[int, int]:
    from tandem.handoff.models import Lead

    rows = (
        Lead.objects.filter(status=Lead.Status.WAITING, assigned_to_id__in=rep_ids)
        .values_list("assigned_to_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)  # type: ignore[arg-type]


def _rule_matches(rule, contact: Contact) -> bool:
    from tandem.segments.models import SegmentMember

    if rule.segment_id is not None:
        return SegmentMember.objects.filter(segment_id=rule.segment_id, contact=contact).exists()
    account = contact.account
    if account is None or not rule.field.startswith("account."):
        return False
    return getattr(account, rule.field.split(".", 1)[1], None) in rule.values


def _weighted_next(reps: list[User], loads: dict[int, int]) -> User:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return min(
        reps,
        key=lambda r: (
            loads.get(r.pk, 0) / r.lead_capacity,
            r.last_lead_assigned_at or epoch,
            r.pk,
        ),
    )


def rep_route(*, contact: Contact, exclude: Collection[int] = ()) -> Route:
    """Choose and mark a rep for the contact's lead. Must run inside a transaction."""
    from tandem.handoff.models import RoutingRule

    reps = list(
        User.objects.select_for_update()
        .filter(role=Role.SALES_REP, is_active=True, is_available_for_leads=True)
        .exclude(pk__in=list(exclude))
        .order_by("id")
    )
    loads = _loads([r.pk for r in reps])
    open_reps = [r for r in reps if loads.get(r.pk, 0) < r.lead_capacity]
    account = contact.account
    if account is not None and account.owner_id:
        owner = next((r for r in open_reps if r.pk == account.owner_id), None)
        if owner is not None:
            return Route(_mark(owner), "account owner")
    for rule in RoutingRule.objects.filter(is_active=True):
        if not _rule_matches(rule, contact):
            continue
        team = [r for r in open_reps if r.team_id == rule.team_id]
        if team:
            return Route(_mark(_weighted_next(team, loads)), f"rule: {rule.name}")
    if open_reps:
        return Route(_mark(_weighted_next(open_reps, loads)), "round robin")
    return Route(None, "no rep available")


def rep_choose(*, contact: Contact) -> User | None:
    """The rep for the contact's lead (see ``rep_route``)."""
    return rep_route(contact=contact).rep


def _mark(rep: User) -> User:
    rep.last_lead_assigned_at = timezone.now()
    rep.save(update_fields=["last_lead_assigned_at"])
    return rep
