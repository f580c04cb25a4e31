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

from django.db import connection
from django.utils import timezone

from tandem.access.models import User
from tandem.access.roles import Role
from tandem.handoff.models import Lead, RoutingRule
from tandem.ops.rows import datetime_from_db
from tandem.ops.settings_cache import cached
from tandem.people.models import Contact
from tandem.segments.models import SegmentMember

ROUTING_FIELDS = ("account.region", "account.industry", "account.size_band")


@dataclass(frozen=True)
class Route:
    """The rep chosen (None when nobody can take the lead) and the rule that chose them."""

    rep_id: int | None
    rule: str


@dataclass(frozen=True)
class Candidate:
    """A rep who takes leads, with what routing weighs: a few columns, not a whole user."""

    id: int
    team_id: int | None
    lead_capacity: int
    last_lead_assigned_at: dt.datetime | None


def _loads(rep_ids: list[int]) -> dict[int, int]:
    """Waiting leads per rep. A plain statement: it runs on every hand-off."""

    if not rep_ids:
        return {}
    marks = ", ".join(["%s"] * len(rep_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT assigned_to_id, COUNT(*) FROM {Lead._meta.db_table} "  # noqa: S608 — names only
            f"WHERE status = %s AND assigned_to_id IN ({marks}) GROUP BY assigned_to_id",
            [Lead.Status.WAITING.value, *rep_ids],
        )
        return dict(cursor.fetchall())


def _reps_locked(exclude: Collection[int]) -> list[Candidate]:
    """The reps who take leads, their rows locked in id order (PostgreSQL; SQLite has one
    writer at a time anyway). A plain statement: building users through the ORM cost more
    than running it, on every hand-off."""
    sql = (
        "SELECT id, team_id, lead_capacity, last_lead_assigned_at "  # noqa: S608 — names only
        f"FROM {User._meta.db_table} "
        "WHERE role = %s AND is_active = %s AND is_available_for_leads = %s"
    )
    params: list = [Role.SALES_REP.value, True, True]
    if exclude:
        sql += f" AND id NOT IN ({', '.join(['%s'] * len(exclude))})"
        params += list(exclude)
    sql += " ORDER BY id"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            Candidate(pk, team, capacity, datetime_from_db(last))
            for pk, team, capacity, last in cursor.fetchall()
        ]


def _rule_matches(rule, contact: Contact) -> bool:
    if rule.segment_id is not None:
        return SegmentMember.objects.filter(segment_id=rule.segment_id, contact=contact).exists()
    account = contact.account
    if account is None or not rule.field.startswith("account."):
        return False
    return getattr(account, rule.field.split(".", 1)[1], None) in rule.values


def _weighted_next(reps: list[Candidate], loads: dict[int, int]) -> Candidate:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return min(
        reps,
        key=lambda r: (
            loads.get(r.id, 0) / r.lead_capacity,
            r.last_lead_assigned_at or epoch,
            r.id,
        ),
    )


def active_rules() -> tuple:
    """The active routing rules in order; read once per process until one changes."""

    return cached(
        "handoff.routing_rules", lambda: tuple(RoutingRule.objects.filter(is_active=True))
    )


def rep_route(*, contact: Contact, exclude: Collection[int] = ()) -> Route:
    """Choose and mark a rep for the contact's lead. Must run inside a transaction."""
    reps = _reps_locked(exclude)
    loads = _loads([r.id for r in reps])
    open_reps = [r for r in reps if loads.get(r.id, 0) < r.lead_capacity]
    account = contact.account
    if account is not None and account.owner_id:
        owner = next((r for r in open_reps if r.id == account.owner_id), None)
        if owner is not None:
            return Route(_mark(owner), "account owner")
    for rule in active_rules():
        if not _rule_matches(rule, contact):
            continue
        team = [r for r in open_reps if r.team_id == rule.team_id]
        if team:
            return Route(_mark(_weighted_next(team, loads)), f"rule: {rule.name}")
    if open_reps:
        return Route(_mark(_weighted_next(open_reps, loads)), "round robin")
    return Route(None, "no rep available")


def _mark(rep: Candidate) -> int:
    """Note when the rep was last given a lead (the round robin's tie-break); their id."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {User._meta.db_table} SET last_lead_assigned_at = %s WHERE id = %s",  # noqa: S608 — names only
            [connection.ops.adapt_datetimefield_value(timezone.now()), rep.id],
        )
    return rep.id
