"""The lists a person can download: the rows and columns of the page, with its filters.

Each list re-runs the page's own ``*_for_user`` selector with the filters the page was given
(its query string), so a download holds exactly what the person may see and has narrowed to.
Rows are read as plain tuples (``values_list``) in chunks (``iterator``): no model instance
per row and no query per row, whatever the size. The columns are the page's, then the
custom columns chosen on the page (``cols``), or every custom field of the entity (archived
ones too: their values are kept and shown) when none is chosen, then the record's id. The
custom-field filter of the contact and deal lists (``cf``, ``cf_op``, ``cf_value``,
``cf_value_to``) narrows the rows as on the page.

Custom values: numbers and money are numbers (a spreadsheet can sum them), yes/no is
"Yes"/"No", several choices are joined with "; ", dates are ISO text — as the import reads
them back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import F, Func, QuerySet, TextField

from tandem.access import policies
from tandem.core.periods import period_for
from tandem.dashboards import metrics
from tandem.errors import InvalidInput
from tandem.exports.report_tables import report_table
from tandem.exports.table import Table, query_id
from tandem.fields.lists import custom_filter_from_query
from tandem.fields.models import CustomField, FieldKind
from tandem.fields.selectors import custom_fields_for
from tandem.handoff.models import Lead
from tandem.handoff.selectors import lead_queue, leads_for_user
from tandem.people.account_filters import AccountFilter
from tandem.people.lifecycle import Stage
from tandem.people.selectors import accounts_listed_for_user, contacts_for_user
from tandem.sales.filters import DealFilter
from tandem.sales.models import ForecastCategory
from tandem.sales.selectors import DEAL_LIST_ORDER, deal_list
from tandem.segments.selectors import segment_get_for_user, segment_members

CHUNK = 2000


def _person(first: str | None, last: str | None, fallback: str | None) -> str:
    """A user's or contact's name as ``__str__`` writes it, from plain columns."""
    return f"{first or ''} {last or ''}".strip() or (fallback or "")


def _as_text(value: Any) -> Any:
    if value is None or value == "":
        return None
    return value if value.__class__ is str else str(value)


def _as_number(value: Any) -> Any:
    if value is None or value == "" or value == "null":
        return None
    if value.__class__ is int or value.__class__ is float:
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return str(value)


def _as_yes_no(value: Any) -> Any:
    if value is None or value == "" or value == "null":
        return None
    return "Yes" if value in (True, 1, "true", "1") else "No"


def _as_choices(value: Any) -> Any:
    if value is None or value == "" or value == "null":
        return None
    items = json.loads(value) if isinstance(value, str) and value.startswith("[") else value
    return "; ".join(map(str, items)) if isinstance(items, list) else str(items)


_CELLS: dict[str, Callable[[Any], Any]] = {
    FieldKind.NUMBER: _as_number,
    FieldKind.MONEY: _as_number,
    FieldKind.YES_NO: _as_yes_no,
    FieldKind.CHOICES: _as_choices,
}


def custom_cell(field: CustomField, value: Any) -> Any:
    """A kept custom value as a cell: numbers stay numbers, yes/no is "Yes"/"No", several
    choices are joined with "; ", the rest is text.

    ``value`` is as JSON holds it, or as the database reads one key out of the JSON column
    (``custom_columns``: text on PostgreSQL, native types but "true"/"false" on SQLite)."""
    return _CELLS.get(field.kind, _as_text)(value)


def export_fields(entity: str, query: Mapping[str, Any]) -> list[CustomField]:
    """The custom columns of a list's download: those chosen on the page (``cols``, in page
    order), else every field of the entity, archived ones too."""
    every = custom_fields_for(entity, with_archived=True)
    chosen = set(_all(query, "cols"))
    return [f for f in every if f.key in chosen] if chosen else every


def _all(query: Mapping[str, Any], key: str) -> list[str]:
    """Every value of ``key`` in a query dict (a ``QueryDict`` repeats keys), or the one."""
    getlist = getattr(query, "getlist", None)
    if getlist is not None:
        return [str(v) for v in getlist(key) if v]
    value = query.get(key)
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


def _cell_makers(fields: list[CustomField]) -> list[Callable[[Any], Any]]:
    return [_CELLS.get(f.kind, _as_text) for f in fields]


class JsonKeyText(Func):
    """One key of a record's JSON column as the database reads it out: ``json_extract`` on
    SQLite (one parse of the JSON per key; numbers come back as numbers), ``->>`` elsewhere."""

    output_field = TextField()

    def __init__(self, key: str, column: str = "custom") -> None:
        super().__init__(F(column))
        self.key = key

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        return f"json_extract({column}, %s)", (*params, f'$."{self.key}"')

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} ->> %s)", (*params, self.key)


def custom_columns(fields: list[CustomField]) -> dict[str, JsonKeyText]:
    """One column per custom field, read out of the ``custom`` JSON by the database (cheaper
    than decoding every record's whole JSON in Python)."""
    return {f"custom_{n}": JsonKeyText(f.key) for n, f in enumerate(fields)}


def _custom_tail(makers: list[Callable[[Any], Any]], values: Sequence[Any]) -> list[Any]:
    return [make(v) for make, v in zip(makers, values, strict=True)]


def _chunks(
    qs: QuerySet,
    columns: tuple[str, ...],
    fields: list[CustomField] = (),  # type: ignore[assignment]
) -> Iterator[tuple[Any, ...]]:
    """The rows as tuples of ``columns`` then one value per custom field, in chunks."""
    custom = custom_columns(list(fields))
    return qs.annotate(**custom).values_list(*columns, *custom).iterator(chunk_size=CHUNK)


# -- contacts and accounts --------------------------------------------------------------------

CONTACT_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "account__name",
    "lifecycle_stage",
    "score",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "id",
)


def contacts_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """The contact list (search ``q``, ``stage``, the custom-field filter ``cf``…; the API's
    ``search``, ``lifecycle_stage``, ``owner_id``, ``account_id``), newest first as on the
    page; a bad filter raises ``InvalidInput`` naming it."""
    qs = contacts_for_user(
        user=user,
        search=(query.get("q") or query.get("search") or "").strip(),
        lifecycle_stage=query.get("stage") or query.get("lifecycle_stage") or "",
        owner_id=query_id(query, "owner_id"),
        account_id=query_id(query, "account_id"),
        custom_filter=custom_filter_from_query("contact", query),
    )
    fields = export_fields("contact", query)
    makers = _cell_makers(fields)
    stages = dict(Stage.choices)

    def rows() -> Iterator[tuple[Any, ...]]:
        width = len(CONTACT_COLUMNS)
        for row in _chunks(qs, CONTACT_COLUMNS, fields):
            first, last, email, company, stage, score, of, ol, ou, pk = row[:width]
            yield (
                _person(first, last, email),
                email,
                company or "",
                stages.get(stage, stage),
                score,
                _person(of, ol, ou),
                *_custom_tail(makers, row[width:]),
                pk,
            )

    header = ["Name", "Email", "Company", "Stage", "Score", "Owner"]
    return Table("contacts", "Contacts", [*header, *(f.label for f in fields), "Id"], rows())


def accounts_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """The accounts list with the page's filters and order (``people.account_filters``:
    ``q`` in name or domain, ``industry``, ``owner``, ``fit_min``, a custom field test,
    ``sort``) and the chosen custom columns; a bad filter raises ``InvalidInput`` naming it."""
    qs = accounts_listed_for_user(user=user, filters=AccountFilter.from_query(query))
    fields = export_fields("account", query)
    makers = _cell_makers(fields)
    columns = ("name", "domain", "industry", "size_band", "region", "fit_score")
    owner = ("owner__first_name", "owner__last_name", "owner__username", "id")
    width = len(columns + owner)

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in _chunks(qs, columns + owner, fields):
            *head, of, ol, ou, pk = row[:width]
            yield (*head, _person(of, ol, ou), *_custom_tail(makers, row[width:]), pk)

    header = ["Account", "Domain", "Industry", "Size", "Region", "Fit score", "Owner"]
    return Table("accounts", "Accounts", [*header, *(f.label for f in fields), "Id"], rows())


# -- deals and leads --------------------------------------------------------------------------

DEAL_COLUMNS = (
    "name",
    "account__name",
    "stage__name",
    "pipeline__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "amount",
    "forecast_category",
    "expected_close_on",
    "next_step",
    "next_step_due_on",
    "id",
)


def deals_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """The deal list with the page's filters (``sales.filters.DealFilter``), soonest close
    first; a bad filter raises ``InvalidInput`` naming it."""
    filters = DealFilter.from_query(query)
    qs = deal_list(user=user, filters=filters).sorted_deals.order_by(*DEAL_LIST_ORDER)
    fields = export_fields("deal", query)
    makers = _cell_makers(fields)
    categories = dict(ForecastCategory.choices)

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in _chunks(qs, DEAL_COLUMNS, fields):
            name, account, stage, pipeline, of, ol, ou, amount, category = row[:9]
            close, step, due, pk = row[9:13]
            yield (
                name,
                account or "",
                stage,
                pipeline,
                _person(of, ol, ou),
                amount,
                categories.get(category, category),
                close,
                step,
                due,
                *_custom_tail(makers, row[13:]),
                pk,
            )

    header = ["Deal", "Account", "Stage", "Pipeline", "Owner", "Amount", "Forecast"]
    header += ["Expected close", "Next step", "Next step due"]
    return Table("deals", "Deals", [*header, *(f.label for f in fields), "Id"], rows())


LEAD_COLUMNS = (
    "contact__first_name",
    "contact__last_name",
    "contact__email",
    "contact__account__name",
    "campaign__name",
    "score_at_handoff",
    "handed_off_at",
    "status",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__username",
    "id",
)


def leads_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """Leads (``status``: waiting, accepted, rejected …), oldest hand-off first; ``queue``:
    the lead queue's rows exactly (the waiting leads this user may answer)."""
    status = query.get("status", "")
    if status and status not in Lead.Status.values:
        raise InvalidInput.field("status", f"choose one of: {', '.join(Lead.Status.values)}")
    if query.get("queue"):
        qs = lead_queue(user=user).order_by("handed_off_at", "id")
    else:
        qs = leads_for_user(user=user, status=status).order_by("handed_off_at", "id")
    statuses = dict(Lead.Status.choices)

    def rows() -> Iterator[tuple[Any, ...]]:
        for first, last, email, company, campaign, score, at, state, af, al, au, pk in _chunks(
            qs, LEAD_COLUMNS
        ):
            yield (
                _person(first, last, email),
                company or "",
                campaign or "",
                score,
                at,
                statuses.get(state, state),
                _person(af, al, au),
                pk,
            )

    header = ["Lead", "Company", "Campaign", "Score", "Waiting since", "Status", "Rep", "Id"]
    return Table("leads", "Leads", header, rows())


# -- segment members and campaign results -----------------------------------------------------


def segment_members_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """The members of the segment ``segment`` (an id), newest contact first as on its page."""
    try:
        segment_id = int(query.get("segment", ""))
    except ValueError:
        raise InvalidInput.field("segment", "name a segment by its id") from None
    segment = segment_get_for_user(user=user, segment_id=segment_id)
    qs = segment_members(segment=segment)
    stages = dict(Stage.choices)
    columns = (
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "contact__account__name",
        "contact__lifecycle_stage",
        "contact__score",
        "added_at",
        "contact_id",
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        for first, last, email, company, stage, score, added, pk in _chunks(qs, columns):
            name = _person(first, last, email)
            yield (name, email, company or "", stages.get(stage, stage), score, added, pk)

    header = ["Name", "Email", "Company", "Stage", "Score", "Member since", "Contact id"]
    return Table("segment-members", f"{segment.name} members", header, rows())


def campaign_results_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """Marketing's results by campaign for the period ``period`` (default 12 months)."""
    policies.require(user, "view", "marketing_home")
    period = period_for(query.get("period", "12m"))
    results = metrics.campaign_results(period)

    def rows() -> Iterator[tuple[Any, ...]]:
        for r in results:
            rate = r.acceptance_rate
            reasons = ", ".join(f"{reason} ({n})" for reason, n in r.rejection_reasons.items())
            yield (
                r.name,
                r.channel,
                r.leads,
                r.mqls,
                r.accepted,
                r.rejected,
                None if rate is None else round(rate * 100),
                reasons,
                r.won_revenue,
            )

    header = ["Campaign", "Channel", "Leads", "MQLs", "Accepted", "Rejected", "Acceptance (%)"]
    header += ["Why sales rejected", "Won revenue"]
    return Table("campaign-results", f"Campaign results {period.label}", header, rows())


Builder = Callable[..., Table]

LISTS: dict[str, Builder] = {
    "contacts": contacts_table,
    "accounts": accounts_table,
    "deals": deals_table,
    "leads": leads_table,
    "segment-members": segment_members_table,
    "campaign-results": campaign_results_table,
    "report": report_table,
}


def list_table(*, user: Any, name: str, query: Mapping[str, str]) -> Table:
    """The list ``name`` (a key of :data:`LISTS`) as ``user`` sees it with ``query``'s filters."""
    if name not in LISTS:
        raise InvalidInput.field("list", f"choose one of: {', '.join(LISTS)}")
    return LISTS[name](user=user, query=query)
