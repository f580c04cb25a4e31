"""From a row of text to the values a record gets: each mapped column parsed and checked.

``context_build`` reads once per import what every row needs (custom field definitions, the
value tables, the users who can own records, the pipeline's stages); ``row_parse`` then turns
one ``RowRead`` into a ``Parsed`` row without a query. A value that cannot be read is a
``Problem``: a missing key (no email for a new contact) skips the row, anything else leaves
that one value out and the row goes in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tandem.access.models import User
from tandem.fields.models import CustomField, Entity
from tandem.fields.selectors import custom_fields_by_key
from tandem.fields.values import DateOrder, date_parse, number_parse, value_clean, yes_no_parse
from tandem.imports.models import ImportJob, ObjectType
from tandem.imports.presets import (
    CUSTOM_PREFIX,
    PRESETS_BY_KEY,
    salesforce_id_18,
)
from tandem.imports.reading import RowRead
from tandem.people.models import SizeBand, Stage
from tandem.sales.models import PipelineStage
from tandem.sales.services import pipeline_default

ENTITY = {
    ObjectType.CONTACTS: Entity.CONTACT,
    ObjectType.ACCOUNTS: Entity.ACCOUNT,
    ObjectType.DEALS: Entity.DEAL,
}
LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "title": 150,
    "name": 200,
    "domain": 200,
    "industry": 100,
    "region": 100,
    "account.name": 200,
    "account.domain": 200,
    "external_id": 100,
    "account.external_id": 100,
    "contact.external_id": 100,
}
_CONSENT_WORDS = {
    "opted in": True,
    "opt-in": True,
    "opted-in": True,
    "subscribed": True,
    "granted": True,
    "opted out": False,
    "opt-out": False,
    "opted-out": False,
    "unsubscribed": False,
    "not granted": False,
}
_STAGE_BY_NAME = {s.value: s.value for s in Stage} | {s.label.casefold(): s.value for s in Stage}
_PLAIN_EMAIL = re.compile(
    r"^[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"
)
_DOTTED_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_ID_SEPARATORS = re.compile(r"[;,]")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass
class Problem:
    """Something wrong with one row (``column`` empty: the whole row)."""

    line: int
    column: str
    value: str
    reason: str
    is_row_skipped: bool = False


@dataclass
class Parsed:
    """One row's values by target (absent: not mapped; None: blank), its custom values, and
    its problems; ``is_skipped`` when it must not be written at all."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    is_skipped: bool = False

    def refuse(self, column: str, value: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, value[:200], reason, True))
        self.is_skipped = True

    def note(self, column: str, value: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, value[:200], reason, False))


@dataclass
class Context:
    """What every row of one import needs, read once."""

    job: ImportJob
    user: Any
    columns: dict[str, tuple[int, str]]  # target -> (column index, header)
    custom_columns: dict[str, tuple[int, str]]  # field key -> (column index, header)
    custom_fields: dict[str, CustomField]
    value_maps: dict[str, dict[str, str]]  # target -> {casefolded source value: value}
    owners: dict[str, int]  # casefolded email or full name -> user id
    stages: dict[str, PipelineStage]  # casefolded stage name -> stage (deals)
    date_order: DateOrder | None
    salesforce_ids: bool
    # Excel separates with semicolons where the comma is the decimal mark: there "1.200" is
    # twelve hundred, not one point two.
    decimal_comma: bool = False
    # (target, column index, header, the target's reader), in the file's order: each cell's
    # reader is found once per import, not once per row.
    readers: list[tuple[str, int, str, Callable[..., Any]]] = field(default_factory=list)


def owners_known() -> dict[str, int]:
    """Active users by casefolded email, then full name (an email wins over a name)."""
    known: dict[str, int] = {}
    users = User.objects.filter(is_active=True).values_list(
        "id", "email", "first_name", "last_name"
    )
    for pk, _email, first, last in users:
        name = f"{first} {last}".strip().casefold()
        if name:
            known.setdefault(name, pk)
    for pk, email, _first, _last in users:
        if email:
            known[email.strip().casefold()] = pk
    return known


def context_build(job: ImportJob, user: Any) -> Context:
    """Read once what parsing the job's rows needs."""
    index = {header: i for i, header in enumerate(job.headers)}
    columns: dict[str, tuple[int, str]] = {}
    custom_columns: dict[str, tuple[int, str]] = {}
    # In the file's order (a JSON column on PostgreSQL keeps its keys in an order of its own).
    for header in job.headers:
        target = job.mapping.get(header)
        if not target:
            continue
        if target.startswith(CUSTOM_PREFIX):
            custom_columns[target.removeprefix(CUSTOM_PREFIX)] = (index[header], header)
        else:
            columns[target] = (index[header], header)
    maps = {
        target: {str(k).strip().casefold(): str(v) for k, v in table.items()}
        for target, table in (job.value_maps or {}).items()
    }
    stages: dict[str, PipelineStage] = {}
    if job.object_type == ObjectType.DEALS:
        stages = {s.name.casefold(): s for s in pipeline_default().stages.all()}
    preset = PRESETS_BY_KEY.get(job.preset)
    readers = [
        (target, i, header, _READERS.get(target, _text)) for target, (i, header) in columns.items()
    ]
    return Context(
        job=job,
        user=user,
        columns=columns,
        custom_columns=custom_columns,
        custom_fields=custom_fields_by_key(ENTITY[ObjectType(job.object_type)]),
        value_maps=maps,
        owners=owners_known() if "owner" in columns else {},
        stages=stages,
        date_order=job.date_order if job.date_order in ("day_first", "month_first") else None,  # type: ignore[arg-type]
        salesforce_ids=bool(preset and preset.salesforce_ids),
        decimal_comma=job.delimiter == ";",
        readers=readers,
    )


@functools.lru_cache(maxsize=65_536)  # a file names a few thousand companies, row after row
def domain_clean(text: str) -> str:
    """ "https://www.Acme.com/about" → "acme.com"."""
    host = _SCHEME.sub("", text.strip().lower()).split("/")[0].split("?")[0]
    return host.removeprefix("www.").strip(".")


def _external_id(ctx: Context, text: str) -> str:
    first = _ID_SEPARATORS.split(text, 1)[0].strip() if ("," in text or ";" in text) else text
    return salesforce_id_18(first.strip())


def _text(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> str | None:
    limit = LIMITS.get(target, 200)
    if len(raw) > limit:
        parsed.note(header, raw, f"longer than {limit} characters: left out")
        return None
    return raw


def _mapped(ctx: Context, target: str, raw: str) -> str | None:
    table = ctx.value_maps.get(target, {})
    key = raw.casefold()
    return table.get(key)


def _email(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> str | None:
    address = raw.lower()
    if _PLAIN_EMAIL.match(address):
        return address  # the common shape, which Django's validator accepts too
    try:
        validate_email(address)
    except ValidationError:
        parsed.note(header, raw, f"'{raw}' is not a valid email address")
        return None
    return address


def _external(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> str:
    return _external_id(ctx, raw)[: LIMITS[target]]


def _domain(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> str | None:
    return _text(ctx, parsed, target, header, domain_clean(raw))


def _amount_of(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> Any:
    if ctx.decimal_comma and _DOTTED_THOUSANDS.match(raw):
        raw = raw.replace(".", "")
    return _amount(parsed, header, raw)


def _close_date(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> Any:
    try:
        return date_parse(raw, date_order=ctx.date_order)
    except ValueError as error:
        parsed.note(header, raw, str(error))
        return None


def _size_band(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> Any:
    if raw not in SizeBand.values:
        parsed.note(header, raw, f"not a size band: use one of {', '.join(SizeBand.values)}")
        return None
    return _text(ctx, parsed, target, header, raw)


def _lifecycle(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> str | None:
    mapped = _mapped(ctx, "lifecycle_stage", raw)
    stage = mapped if mapped is not None else _STAGE_BY_NAME.get(raw.casefold())
    if stage is None:
        parsed.note(header, raw, f"unknown lifecycle stage '{raw}': map it to a Tandem stage")
    return stage or None


def _deal_stage(
    ctx: Context, parsed: Parsed, target: str, header: str, raw: str
) -> PipelineStage | None:
    mapped = _mapped(ctx, "stage", raw)
    stage = ctx.stages.get((mapped if mapped is not None else raw).casefold())
    if stage is None:
        parsed.note(header, raw, f"unknown deal stage '{raw}': map it to a pipeline stage")
    return stage


def _owner(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> int | None:
    mapped = _mapped(ctx, "owner", raw)
    if mapped is not None:
        return int(mapped) if mapped.isdigit() else None
    owner = ctx.owners.get(raw.casefold())
    if owner is None:
        parsed.note(header, raw, f"no Tandem user has the email or name '{raw}'")
    return owner


def _amount(parsed: Parsed, header: str, raw: str) -> Decimal | None:
    try:
        amount = number_parse(raw)
    except ValueError as error:
        parsed.note(header, raw, str(error))
        return None
    if amount < 0:
        parsed.note(header, raw, "an amount must be zero or more")
        return None
    return amount.quantize(Decimal("0.01"))


def _consent(ctx: Context, parsed: Parsed, target: str, header: str, raw: str) -> bool | None:
    word = _CONSENT_WORDS.get(raw.casefold())
    if word is not None:
        return word
    try:
        return yes_no_parse(raw)
    except ValueError:
        parsed.note(header, raw, f"'{raw}' is neither opted in nor opted out")
        return None


_READERS: dict[str, Callable[[Context, Parsed, str, str, str], Any]] = {
    "email": _email,
    "contact.email": _email,
    "external_id": _external,
    "account.external_id": _external,
    "contact.external_id": _external,
    "domain": _domain,
    "account.domain": _domain,
    "lifecycle_stage": _lifecycle,
    "stage": _deal_stage,
    "owner": _owner,
    "amount": _amount_of,
    "close_date": _close_date,
    "consent.email": _consent,
    "size_band": _size_band,
}


def row_parse(ctx: Context, row: RowRead) -> Parsed:
    """One row's values, checked; no query."""
    parsed = Parsed(line=row.line)
    if row.problem:
        problem = Problem(row.line, row.problem_column, row.problem_value, row.problem)
        problem.is_row_skipped = row.is_skipped
        parsed.problems.append(problem)
        if row.is_skipped:
            parsed.is_skipped = True
            return parsed
    cells = row.cells
    values = parsed.values
    for target, i, header, read in ctx.readers:
        raw = cells[i].strip()
        values[target] = read(ctx, parsed, target, header, raw) if raw else None
    if ctx.custom_columns:
        _custom(ctx, parsed, cells)
    return parsed


def _custom(ctx: Context, parsed: Parsed, cells: list[str]) -> None:
    for key, (i, header) in ctx.custom_columns.items():
        field_def = ctx.custom_fields.get(key)
        raw = cells[i]
        if field_def is None:
            parsed.note(header, raw, f"there is no custom field '{key}'")
            continue
        try:
            parsed.custom[key] = value_clean(field_def, raw, date_order=ctx.date_order)
        except ValueError as error:
            parsed.note(header, raw, str(error))


def value_counts_suggest(
    ctx_owners: Mapping[str, int], stages: Mapping[str, str], target: str, raw: str
) -> str:
    """The Tandem value suggested for a file's value of ``target`` (lifecycle stage, deal
    stage name or owner id as text); "" when there is none."""
    key = raw.strip().casefold()
    if target == "owner":
        owner = ctx_owners.get(key)
        return str(owner) if owner else ""
    return stages.get(key, "")
