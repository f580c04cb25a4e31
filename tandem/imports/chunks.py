"""What every kind of import does with a chunk of parsed rows, whatever the record.

A chunk is written in one transaction by ``tandem.imports.running``; the writers per record
(``write_contacts``, ``write_accounts``, ``write_deals``) plan it with a few set-based reads
(existing records by their keys, the rows this import already wrote), then write it with
``tandem.ops.rows``. ``Outcome`` keeps the counts, the problems and, for the dry run, the
first rows of each kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from tandem.imports.mapping import Context, Parsed, Problem
from tandem.imports.models import ImportJob, ImportRecord, Mode
from tandem.ops.rows import ids_reserve, tuples_insert, values_in
from tandem.people.models import Account
from tandem.people.selectors import FREE_MAIL_DOMAINS

SAMPLES = 10


@dataclass
class Outcome:
    """Counts, problems and sample rows of the chunks written so far."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    accounts_created: int = 0
    problems: list[Problem] = field(default_factory=list)
    samples: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"create": [], "update": [], "skip": []}
    )
    contact_ids: list[int] = field(default_factory=list)

    def sample(self, kind: str, parsed: Parsed, note: str = "") -> None:
        if len(self.samples[kind]) < SAMPLES:
            row = {"line": parsed.line, **{k: _shown(v) for k, v in parsed.values.items()}}
            row.update({f"custom:{k}": _shown(v) for k, v in parsed.custom.items()})
            if note:
                row["note"] = note
            self.samples[kind].append(row)

    def merge(self, other: Outcome) -> None:
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.failed += other.failed
        self.accounts_created += other.accounts_created
        self.problems.extend(other.problems)
        for kind, rows in other.samples.items():
            self.samples[kind].extend(rows[: SAMPLES - len(self.samples[kind])])


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def rows_sorted_out(outcome: Outcome, rows: list[Parsed]) -> list[Parsed]:
    """The rows that may be written; the others are counted as failed. Every row's problems
    are collected."""
    good = []
    for parsed in rows:
        outcome.problems.extend(parsed.problems)
        if parsed.is_skipped:
            outcome.failed += 1
        else:
            good.append(parsed)
    return good


def refuse(outcome: Outcome, parsed: Parsed, column: str, value: str, reason: str) -> None:
    parsed.refuse(column, value, reason)
    outcome.problems.append(parsed.problems[-1])
    outcome.failed += 1


def lines_already_written(job: ImportJob, record_type: str, ids: Iterable[int]) -> dict[int, int]:
    """{record id: line} of the records this job already wrote among ``ids`` (an earlier
    chunk's row with the same key: the same record twice in one file)."""
    ids = list(ids)
    if not ids:
        return {}
    found = values_in(
        ImportRecord,
        ("record_id", "line"),
        "record_id",
        ids,
        extra="AND job_id = %s AND record_type = %s",
        params=[job.pk, record_type],
    )
    return {row["record_id"]: row["line"] for row in found}


def mode_allows(outcome: Outcome, ctx: Context, parsed: Parsed, exists: bool) -> bool:
    """Whether the job's mode writes this row; a row it leaves out is counted as skipped."""
    mode = ctx.job.mode
    if exists and mode == Mode.CREATE_ONLY:
        outcome.skipped += 1
        outcome.sample("skip", parsed, "already in Tandem (create only)")
        return False
    if not exists and mode == Mode.UPDATE_ONLY:
        outcome.skipped += 1
        outcome.sample("skip", parsed, "not in Tandem yet (update only)")
        return False
    return True


def db_time(value: dt.datetime) -> Any:
    """An aware datetime in the database's form (UTC text on SQLite), for rows written with
    ``prepared=True``: converted once per chunk rather than once per row."""
    return connection.ops.adapt_datetimefield_value(value)


def db_json(model: type[Model], name: str) -> Callable[[Any], Any]:
    """A JSON field's values in the database's form; the empty ones (nearly every row of an
    import) prepared once."""
    json_field = model._meta.get_field(name)
    assert isinstance(json_field, Field)  # noqa: S101 — a column of the model, not a relation
    prepare = partial(json_field.get_db_prep_save, connection=connection)
    empty = prepare({})

    def prepared(value: Any) -> Any:
        return empty if value == {} else prepare(value)

    return prepared


def records_note(
    ctx: Context, record_type: str, entries: Sequence[tuple[int, str, int, dict, dict]]
) -> None:
    """Write the undo records: (record id, action, line, before, after) each."""
    job_id = ctx.job.pk
    as_json = db_json(ImportRecord, "before")
    tuples_insert(
        ImportRecord,
        ("job_id", "record_type", "record_id", "action", "line", "before", "after"),
        (
            (job_id, record_type, rid, action, line, as_json(before), as_json(after))
            for rid, action, line, before, after in entries
        ),
        prepared=True,
    )


def changes_apply(
    ctx: Context, current: dict[str, Any], wanted: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the fields ``wanted`` changes on ``current``: a blank (None) changes
    a field only when the job lets blanks overwrite."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in wanted.items():
        if value is None or value == "":
            if not ctx.job.blanks_overwrite or current.get(name) in (None, ""):
                continue
            value = _blank_for(current.get(name))
        if current.get(name) != value:
            before[name], after[name] = current.get(name), value
    return before, after


def _blank_for(value: Any) -> Any:
    return "" if isinstance(value, str) else None


def custom_merge(ctx: Context, current: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The record's custom values with the row's applied (blanks as the job says)."""
    merged = dict(current or {})
    for key, value in sent.items():
        if value is None:
            if ctx.job.blanks_overwrite:
                merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def plain(value: Any) -> Any:
    """A value as an undo record keeps it (JSON)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)


@dataclass
class AccountKeys:
    """The accounts a chunk's rows point at, by each key, read in three queries."""

    by_external: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)


def _id(row: dict[str, Any]) -> int:
    return int(row["id"])


def accounts_lookup(wanted: Sequence[tuple[str, str, str, str]]) -> AccountKeys:
    """The accounts ``wanted`` (external id, domain, name, email's domain each) point at, each
    key read only for the rows an earlier key did not match (a chunk of rows of a few hundred
    companies reads their domains and stops there)."""
    keys = AccountKeys()
    # Oldest first, so the newest of several accounts with one key wins (as the ORM's order).
    externals = {w[0] for w in wanted if w[0]}
    for row in sorted(values_in(Account, ("id", "external_id"), "external_id", externals), key=_id):
        keys.by_external[row["external_id"]] = row["id"]
    open_rows = [w for w in wanted if not (w[0] and w[0] in keys.by_external)]
    domains = {w[1] for w in open_rows if w[1]}
    for row in sorted(values_in(Account, ("id", "domain"), "domain", domains), key=_id):
        keys.by_domain[row["domain"]] = row["id"]
    open_rows = [w for w in open_rows if not (w[1] and w[1] in keys.by_domain)]
    names = {w[2] for w in open_rows if w[2]}
    for row in sorted(values_in(Account, ("id", "name"), "name", names), key=_id):
        keys.by_name[row["name"].casefold()] = row["id"]
    open_rows = [w for w in open_rows if not (w[2] and w[2].casefold() in keys.by_name)]
    email_domains = {w[3] for w in open_rows if w[3]} - keys.by_domain.keys()
    for row in sorted(values_in(Account, ("id", "domain"), "domain", email_domains), key=_id):
        keys.by_domain[row["domain"]] = row["id"]
    return keys


def accounts_link(
    ctx: Context, outcome: Outcome, rows: list[Parsed], *, email_key: str | None
) -> dict[int, int | None]:
    """{line: account id} for rows that name an account (or whose email's company domain is
    an account's): matched by external id, domain, name, then the email's domain; an account
    the file names and Tandem lacks is created (with its undo record)."""
    wanted = [_account_wanted(p, email_key) for p in rows]
    keys = accounts_lookup(wanted)
    linked: dict[int, int | None] = {}
    new: list[tuple[Parsed, tuple[str, str, str, str]]] = []
    for parsed, want in zip(rows, wanted, strict=True):
        found = _account_find(keys, want)
        if found is None and (want[0] or want[1] or want[2]):
            new.append((parsed, want))
        linked[parsed.line] = found
    if new:
        _accounts_create(ctx, outcome, keys, new, linked)
        # A row known only by its email's domain joins an account an earlier row just named.
        for parsed, want in zip(rows, wanted, strict=True):
            if linked[parsed.line] is None and want[3]:
                linked[parsed.line] = keys.by_domain.get(want[3])
    return linked


def _account_wanted(parsed: Parsed, email_key: str | None) -> tuple[str, str, str, str]:
    values = parsed.values
    email = values.get(email_key) if email_key else None
    email_domain = email.split("@")[1] if email else ""
    if email_domain in FREE_MAIL_DOMAINS:
        email_domain = ""
    return (
        values.get("account.external_id") or "",
        values.get("account.domain") or "",
        values.get("account.name") or "",
        email_domain,
    )


def _account_find(keys: AccountKeys, want: tuple[str, str, str, str]) -> int | None:
    external, domain, name, email_domain = want
    return (
        (keys.by_external.get(external) if external else None)
        or (keys.by_domain.get(domain) if domain else None)
        or (keys.by_name.get(name.casefold()) if name else None)
        or (keys.by_domain.get(email_domain) if email_domain else None)
    )


def _accounts_create(
    ctx: Context,
    outcome: Outcome,
    keys: AccountKeys,
    new: list[tuple[Parsed, tuple[str, str, str, str]]],
    linked: dict[int, int | None],
) -> None:
    rows: list[tuple] = []
    records: list[tuple[int, str, int, dict, dict]] = []
    now = timezone.now()
    ids = iter(ids_reserve(Account, len(new)))
    for parsed, want in new:
        found = _account_find(keys, want)  # an earlier row of this chunk may have created it
        if found is None:
            external, domain, name, _email_domain = want
            found = next(ids)
            name = name or (domain.split(".")[0].capitalize() if domain else f"Account {external}")
            rows.append((found, name[:200], domain, external, {}, ctx.user.pk, now, now))
            records.append((found, ImportRecord.Action.CREATED, parsed.line, {}, {}))
            keys.by_external.update({external: found} if external else {})
            keys.by_domain.update({domain: found} if domain else {})
            keys.by_name[name.casefold()] = found
        linked[parsed.line] = found
    tuples_insert(
        Account,
        (
            "id",
            "name",
            "domain",
            "industry",
            "size_band",
            "region",
            "external_id",
            "custom",
            "owner_id",
            "created_at",
            "updated_at",
        ),
        ((r[0], r[1], r[2], "", "", "", r[3], r[4], None, r[6], r[7]) for r in rows),
    )
    records_note(ctx, "account", records)
    outcome.accounts_created += len(rows)
