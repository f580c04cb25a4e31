"""The permission matrix: which role may do what to which record, and whose records.

One table drives the server-side checks for the UI and the API alike, the filtering of lists,
and ``docs/permissions.md`` (``tandem permissions --markdown`` prints it; a test keeps the
document in step with this table).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.access.models import User
from tandem.access.roles import Role


class Scope(IntEnum):
    """How far a permission reaches: nobody's records, one's own, one's team's, or everyone's."""

    NONE = 0
    OWN = 1
    TEAM = 2
    ALL = 3


ACTIONS = ("view", "create", "change", "delete")

R = Role
# One-letter scopes keep each matrix row on one readable line.
N, O, T, A = Scope.NONE, Scope.OWN, Scope.TEAM, Scope.ALL  # noqa: E741
ROLE_ORDER = (
    R.MARKETER,
    R.MARKETING_MANAGER,
    R.SALES_REP,
    R.SALES_MANAGER,
    R.LEADERSHIP,
    R.ADMIN,
    R.EMPLOYEE,
)


def _row(*scopes: Scope) -> dict[str, Scope]:
    return {role.value: scope for role, scope in zip(ROLE_ORDER, scopes, strict=True)}


# resource -> action -> role -> scope. Columns follow ROLE_ORDER:
#            marketer  mkt mgr  sales rep  sales mgr  leadership  admin  employee
MATRIX: dict[str, dict[str, dict[str, Scope]]] = {
    "account": {
        "view": _row(A, A, A, A, A, A, A),
        "create": _row(A, A, A, A, N, A, N),
        "change": _row(A, A, O, T, N, A, N),
        "delete": _row(N, A, N, T, N, A, N),
    },
    "contact": {
        "view": _row(A, A, A, A, A, A, A),
        "create": _row(A, A, A, A, N, A, N),
        "change": _row(A, A, O, T, N, A, N),
        "delete": _row(N, A, N, T, N, A, N),
    },
    # Merging duplicates (``people.merge``): the list of likely duplicates and the merge.
    # Reps and sales managers merge only contacts they (or their team) own, both of them;
    # leadership reads everything, so it sees the duplicates, but merges nothing.
    "contact_merge": {
        "view": _row(N, A, O, T, A, A, N),
        "change": _row(N, A, O, T, N, A, N),
    },
    "account_merge": {
        "view": _row(N, A, N, T, A, A, N),
        "change": _row(N, A, N, T, N, A, N),
    },
    # People's rights (``tandem.privacy``): "view" downloads everything held on one person,
    # "delete" erases it (the contact stays, anonymised). Erasing cannot be undone: admins only.
    "contact_privacy": {
        "view": _row(N, A, N, N, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    # Everyone in the company is a marketer: every role but read-only leadership logs touches.
    "touch": {
        "view": _row(A, A, A, A, A, A, A),
        "create": _row(A, A, A, A, N, A, A),
        "change": _row(O, A, O, T, N, A, O),
        "delete": _row(N, A, N, N, N, A, N),
    },
    "campaign": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(O, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    # Marketing workspace: lead forms are marketing's; content assets are made by marketing
    # for sales, who read and share them (a share is a touch).
    "lead_form": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(O, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    "content_asset": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(O, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    # A lead is a hand-off of a marketing-qualified contact to a rep; "change" is accept/reject.
    "lead": {
        "view": _row(A, A, O, T, A, A, N),
        "create": _row(N, N, N, N, N, A, N),
        "change": _row(N, N, O, T, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    # Scoring rules, routing rules and service levels: both managers negotiate them.
    "handoff_setup": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(N, A, N, A, N, A, N),
        "change": _row(N, A, N, A, N, A, N),
        "delete": _row(N, A, N, A, N, A, N),
    },
    # A rep's lead capacity and whether they are away (routing skips them): a sales manager
    # sets them for the reps of their team, an admin for everyone; a rep sees their own.
    "rep_availability": {
        "view": _row(N, N, O, T, A, A, N),
        "change": _row(N, N, N, T, N, A, N),
    },
    # The company's lifecycle stages and their entry rules: admins only.
    "lifecycle_setup": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(N, N, N, N, N, A, N),
        "change": _row(N, N, N, N, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    # The company's own fields on contacts, accounts and deals (``tandem.fields``): defined by
    # admins and the two managers; everyone who works the records reads the definitions.
    # "delete" archives a field: its values stay on the records.
    "custom_field": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(N, A, N, A, N, A, N),
        "change": _row(N, A, N, A, N, A, N),
        "delete": _row(N, A, N, A, N, A, N),
    },
    "deal": {
        "view": _row(A, A, O, T, A, A, N),
        "create": _row(N, N, A, A, N, A, N),
        "change": _row(N, N, O, T, N, A, N),
        "delete": _row(N, N, N, T, N, A, N),
    },
    # A rep's private notes on a deal: never shown to marketing.
    "deal_private_notes": {
        "view": _row(N, N, O, T, A, A, N),
        "create": _row(N, N, O, T, N, A, N),
        "change": _row(N, N, O, T, N, A, N),
        "delete": _row(N, N, O, T, N, A, N),
    },
    # Sales workspace. Activities sit on the customer timeline both teams read; reps log and
    # edit their own. A fit review is read by both teams and decided by a manager of each.
    # "sales plan" is what sales managers configure: pipelines, stages, playbook questions,
    # quotas and forecast adjustments; everyone who sees deals may read it.
    "activity": {
        "view": _row(A, A, O, T, A, A, N),
        "create": _row(N, N, A, A, N, A, N),
        "change": _row(N, N, O, T, N, A, N),
        "delete": _row(N, N, O, T, N, A, N),
    },
    "fit_review": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(N, N, A, A, N, A, N),
        "change": _row(N, A, N, A, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    "sales_plan": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(N, N, N, A, N, A, N),
        "change": _row(N, N, N, A, N, A, N),
        "delete": _row(N, N, N, A, N, A, N),
    },
    # Voice of the customer: individual answers stay with marketing (and read-only leadership);
    # sales reads only aggregates of five or more answers (collaboration.survey_selectors).
    "survey": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(O, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    # Reports (tandem.reports): "view" opens a report (computing it when nothing fresh is
    # cached), "create" starts a fresh run past the cache. Both teams read the shared reports
    # (funnel and velocity, forecast, attribution totals by channel); attribution by campaign
    # or content, lifetime value, profitability and the media mix are marketing's and
    # leadership's. Leadership reads, never runs.
    "shared_report": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(A, A, A, A, N, A, N),
    },
    "marketing_report": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
    },
    # orders: the catalog is sales managers' to keep and everyone's (but employees') to read;
    # a quote or an order belongs to its deal's owner (checks pass the deal).
    "product": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(N, N, N, A, N, A, N),
        "change": _row(N, N, N, A, N, A, N),
        "delete": _row(N, N, N, A, N, A, N),
    },
    "quote": {
        "view": _row(A, A, O, T, A, A, N),
        "create": _row(N, N, O, T, N, A, N),
        "change": _row(N, N, O, T, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    "order": {
        "view": _row(A, A, O, T, A, A, N),
        "create": _row(N, N, O, T, N, A, N),
        "change": _row(N, N, O, T, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    # Segments are marketing's; sales sees the list and the counts (where to hunt), not edits.
    "segment": {
        "view": _row(A, A, A, A, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(A, A, N, N, N, A, N),
        "delete": _row(O, A, N, N, N, A, N),
    },
    # Marketing email (tandem.mailing): templates and sends belong to marketing (leadership
    # reads); removing an address from the suppression list (mailing someone who said stop)
    # is a manager's call.
    "email_template": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(O, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    "email_send": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(O, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    # Email topics (what a contact may opt out of on its own) are set up by a manager.
    "email_topic": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(N, A, N, N, N, A, N),
        "change": _row(N, A, N, N, N, A, N),
        "delete": _row(N, N, N, N, N, N, N),
    },
    # Settling a recipient left uncertain (the message may have gone) is a manager's call.
    "email_recipient": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(N, N, N, N, N, N, N),
        "change": _row(N, A, N, N, N, A, N),
        "delete": _row(N, N, N, N, N, N, N),
    },
    "suppression": {
        "view": _row(A, A, N, N, A, A, N),
        "create": _row(A, A, N, N, N, A, N),
        "change": _row(N, A, N, N, N, A, N),
        "delete": _row(N, A, N, N, N, A, N),
    },
    # The homes: each team's own, which leadership and admins read too (the shared numbers
    # are everyone's and need no record). A home belongs to nobody: all or nothing.
    "marketing_home": {
        "view": _row(A, A, N, N, A, A, N),
    },
    "sales_home": {
        "view": _row(N, N, A, A, A, A, N),
    },
    # Imports (tandem.imports): admins import anything; marketing managers bring in contacts
    # and accounts, sales managers all three (deals are theirs). An import is changed
    # (configured, started, undone) by the person who uploaded it, or an admin; leadership
    # reads them, as it reads everything. A job is never deleted: undo is a change.
    "contact_import": {
        "view": _row(N, A, N, A, A, A, N),
        "create": _row(N, A, N, A, N, A, N),
        "change": _row(N, O, N, O, N, A, N),
    },
    "account_import": {
        "view": _row(N, A, N, A, A, A, N),
        "create": _row(N, A, N, A, N, A, N),
        "change": _row(N, O, N, O, N, A, N),
    },
    "deal_import": {
        "view": _row(N, N, N, A, A, A, N),
        "create": _row(N, N, N, A, N, A, N),
        "change": _row(N, N, N, O, N, A, N),
    },
    # Outbound webhooks send the company's data out: administrators alone set them up, test
    # and replay them; leadership reads everything, the delivery log too.
    "webhook": {
        "view": _row(N, N, N, N, A, A, N),
        "create": _row(N, N, N, N, N, A, N),
        "change": _row(N, N, N, N, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    # The whole company as one zip (tandem.exports): every table, so admins only.
    "company_export": {
        "view": _row(N, N, N, N, N, A, N),
        "create": _row(N, N, N, N, N, A, N),
        "delete": _row(N, N, N, N, N, A, N),
    },
    "audit_log": {
        "view": _row(N, N, N, N, N, A, N),
        "create": _row(N, N, N, N, N, N, N),
        "change": _row(N, N, N, N, N, N, N),
        "delete": _row(N, N, N, N, N, N, N),
    },
}

# The record is the person themself (a user row): its owner is itself, its team its own.
SELF = "self"

# Which field of each resource names the person whose record it is.
OWNER_FIELD = {
    "account": "owner",
    "contact": "owner",
    "contact_merge": "owner",
    "account_merge": "owner",
    "contact_privacy": "owner",
    "touch": "recorded_by",
    "campaign": "owner",
    "lead_form": "owner",
    "content_asset": "owner",
    "lead": "assigned_to",
    # Set-up rows belong to the company, not a person; their scopes are all or nothing.
    "handoff_setup": "id",
    "lifecycle_setup": "id",
    "custom_field": "id",
    "rep_availability": SELF,
    "deal": "owner",
    "deal_private_notes": "owner",
    "activity": "owner",
    "fit_review": "opened_by",
    "sales_plan": "created_by",
    "survey": "owner",
    "shared_report": "requested_by",
    "marketing_report": "requested_by",
    "product": "created_by",  # unused: product scopes are all or nothing
    "quote": "owner",  # of the deal, which the checks pass
    "order": "owner",  # of the deal, which the checks pass
    "segment": "owner",
    "email_template": "owner",
    "email_send": "owner",
    "suppression": "created_by",
    "email_topic": "id",  # company set-up: all or nothing
    "email_recipient": "id",  # scopes are all or nothing
    "marketing_home": "id",  # a page, not a record: all or nothing
    "sales_home": "id",
    "contact_import": "created_by",
    "account_import": "created_by",
    "deal_import": "created_by",
    "company_export": "requested_by",
    "audit_log": "actor",
    "webhook": "id",  # company set-up: all or nothing
}


def scope_for(user: User | Any, resource: str, action: str) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope.NONE
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = Role.ADMIN.value if user.is_superuser else user.role
    return MATRIX[resource][action].get(role, Scope.NONE)


def _owner_id(obj: Any, resource: str) -> int | None:
    if OWNER_FIELD[resource] == SELF:
        return obj.pk
    return getattr(obj, OWNER_FIELD[resource] + "_id", None)


def can(user: User | Any, action: str, resource: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` on ``resource`` (on ``obj`` when given)."""
    scope = scope_for(user, resource, action)
    if scope is Scope.NONE:
        return False
    if obj is None or scope is Scope.ALL:
        return True
    owner_id = _owner_id(obj, resource)
    if owner_id == user.pk:
        return True
    if scope is Scope.TEAM and owner_id is not None and user.team_id is not None:
        field = OWNER_FIELD[resource]
        owner = obj if field == SELF else getattr(obj, field)
        return owner.team_id == user.team_id
    return False


NOUNS = {
    "contact_merge": "contact duplicates",
    "account_merge": "account duplicates",
    "contact_privacy": "contact's personal data",
    "shared_report": "report",
    "marketing_report": "marketing report",
    "deal_private_notes": "private deal notes",
    "audit_log": "the audit log",
    "company_export": "company export",
    "lead": "lead",
    "handoff_setup": "hand-off set-up",
    "lifecycle_setup": "lifecycle set-up",
    "rep_availability": "rep's lead capacity",
    "marketing_home": "the marketing home",
    "sales_home": "the sales home",
    "webhook": "webhook endpoint",
}
# Nouns that read whole without "this" in front of them.
NOUNS_WITHOUT_ARTICLE = (
    "deal_private_notes",
    "audit_log",
    "marketing_home",
    "sales_home",
    "contact_merge",
    "account_merge",
)


def require(user: User | Any, action: str, resource: str, obj: Any = None) -> None:
    """Raise ``PermissionDenied`` with a plain sentence when ``can`` says no."""
    if not can(user, action, resource, obj):
        noun = NOUNS.get(resource, resource.replace("_", " "))
        target = noun if resource in NOUNS_WITHOUT_ARTICLE else f"this {noun}"
        if obj is None and action == "create":
            target = f"a new {noun}" if resource not in ("deal_private_notes",) else noun
        raise PermissionDenied(f"Your role may not {action} {target}.")


def get_visible(user: User | Any, resource: str, queryset: QuerySet, pk: Any) -> Any:
    """The record ``pk`` of ``queryset`` if ``user`` may view it.

    Http404 when there is no such record, PermissionDenied when the user may not see it.
    """
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(f"No such {NOUNS.get(resource, resource.replace('_', ' '))}")
    require(user, "view", resource, obj)
    return obj


def visible(
    user: User | Any,
    resource: str,
    queryset: QuerySet,
    action: str = "view",
    *,
    for_totals: bool = False,
) -> QuerySet:
    """``queryset`` narrowed to the records ``user`` may ``action``.

    ``for_totals=True`` writes a team's records as ``owner IN (the team's members)`` (see
    ``team_member_ids``) instead of a join to the owner: same records, but counts and sums
    over many rows are then answered from an index on the owner column. Leave it off for an
    ordered page (``ORDER BY … LIMIT``): there the join keeps SQLite walking the ordering
    index instead of sorting every record of the team.
    """
    scope = scope_for(user, resource, action)
    field = OWNER_FIELD[resource]
    # A user row is its own owner: its id and team are the owner's.
    owner, owner_prefix = ("pk", "") if field == SELF else (field, f"{field}__")
    if scope is Scope.ALL:
        return queryset
    if scope is Scope.NONE:
        return queryset.none()
    if scope is Scope.TEAM and user.team_id is not None:
        if for_totals:
            return queryset.filter(**{f"{owner}__in": team_member_ids(user)})
        return queryset.filter(
            Q(**{owner: user.pk}) | Q(**{f"{owner_prefix}team_id": user.team_id})
        )
    return queryset.filter(**{owner: user.pk})


def team_member_ids(user: User | Any) -> QuerySet:
    """The ids of ``user`` and their teammates, as a subquery: read at query time, never stale."""
    return User.objects.filter(Q(team_id=user.team_id) | Q(pk=user.pk)).values("pk")


def matrix_markdown() -> str:
    """The matrix as the Markdown tables in ``docs/permissions.md``."""
    words = {Scope.NONE: "—", Scope.OWN: "own", Scope.TEAM: "team", Scope.ALL: "all"}
    header = "| resource | action | " + " | ".join(Role(r).label for r in ROLE_ORDER) + " |"
    lines = [header, "|" + "---|" * (len(ROLE_ORDER) + 2)]
    for resource, actions in MATRIX.items():
        for action, row in actions.items():
            cells = " | ".join(words[row[r.value]] for r in ROLE_ORDER)
            lines.append(f"| {resource.replace('_', ' ')} | {action} | {cells} |")
    return "\n".join(lines) + "\n"
