"""A chunk of account rows written: dedupe by domain, then external id, then name."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tandem.imports.chunks import (
    Outcome,
    changes_apply,
    custom_merge,
    lines_already_written,
    mode_allows,
    plain,
    records_note,
    refuse,
    rows_sorted_out,
)
from tandem.imports.mapping import Context, Parsed
from tandem.imports.models import ImportRecord
from tandem.ops.rows import ids_reserve, tuples_insert, tuples_update
from tandem.people.hooks import INPUT_ACCOUNT, contacts_changed_announce
from tandem.people.models import Account, Contact

TEXT_FIELDS = ("name", "domain", "industry", "size_band", "region")
CURRENT = ("id", *TEXT_FIELDS, "owner_id", "external_id", "custom")
UPDATED = (*TEXT_FIELDS, "owner_id", "external_id", "custom")


def _key(parsed: Parsed) -> str:
    values = parsed.values
    if values.get("domain"):
        return f"d:{values['domain']}"
    if values.get("external_id"):
        return f"x:{values['external_id']}"
    return f"n:{(values.get('name') or '').casefold()}"


def _current(rows: list[Parsed]) -> dict[int, dict[str, Any]]:
    domains = {p.values["domain"] for p in rows if p.values.get("domain")}
    externals = {p.values["external_id"] for p in rows if p.values.get("external_id")}
    names = {p.values["name"] for p in rows if p.values.get("name")}
    by_domain: dict[str, dict] = {}
    by_external: dict[str, dict] = {}
    by_name: dict[str, dict] = {}
    if domains:
        for a in Account.objects.filter(domain__in=domains).values(*CURRENT).order_by("-id"):
            by_domain[a["domain"]] = a
    if externals:
        for a in Account.objects.filter(external_id__in=externals).values(*CURRENT).order_by("-id"):
            by_external[a["external_id"]] = a
    if names:
        for a in Account.objects.filter(name__in=names).values(*CURRENT).order_by("-id"):
            by_name[a["name"].casefold()] = a
    found: dict[int, dict[str, Any]] = {}
    for parsed in rows:
        values = parsed.values
        match = (
            by_domain.get(values.get("domain") or "")
            or by_external.get(values.get("external_id") or "")
            or by_name.get((values.get("name") or "").casefold())
        )
        if match is not None:
            found[parsed.line] = match
    return found


def accounts_write(ctx: Context, rows: list[Parsed]) -> Outcome:
    """Plan and write one chunk of account rows (inside the caller's transaction)."""
    outcome = Outcome()
    kept: list[Parsed] = []
    seen: dict[str, int] = {}
    for parsed in rows_sorted_out(outcome, rows):
        values = parsed.values
        if not (values.get("name") or values.get("domain") or values.get("external_id")):
            refuse(outcome, parsed, "", "", "the row has no name, domain or ID")
            continue
        key = _key(parsed)
        if key in seen:
            refuse(
                outcome,
                parsed,
                "",
                key[2:],
                f"same account as line {seen[key]} of this "
                "file: one account was imported, from the first line; this row was skipped",
            )
            continue
        seen[key] = parsed.line
        kept.append(parsed)
    current = _current(kept)
    already = lines_already_written(ctx.job, "account", (a["id"] for a in current.values()))
    creates: list[Parsed] = []
    updates: list[tuple[Parsed, dict[str, Any]]] = []
    for parsed in kept:
        found = current.get(parsed.line)
        if found is not None and found["id"] in already:
            refuse(
                outcome,
                parsed,
                "",
                found["name"],
                f"same account as line {already[found['id']]} of this file: this row was skipped",
            )
        elif not mode_allows(outcome, ctx, parsed, found is not None):
            continue
        elif found is not None:
            updates.append((parsed, found))
        elif not parsed.values.get("name") and not parsed.values.get("domain"):
            refuse(outcome, parsed, "", "", "a new account needs a name or a domain")
        else:
            creates.append(parsed)
    _create(ctx, outcome, creates)
    _update(ctx, outcome, updates)
    return outcome


def _create(ctx: Context, outcome: Outcome, rows: list[Parsed]) -> None:
    if not rows:
        return
    now = timezone.now()
    ids = ids_reserve(Account, len(rows))
    inserted: list = []
    records: list[tuple[int, str, int, dict, dict]] = []
    for pk, parsed in zip(ids, rows, strict=True):
        values = parsed.values
        domain = values.get("domain") or ""
        name = values.get("name") or domain.split(".")[0].capitalize()
        inserted.append(
            (
                pk,
                name,
                domain,
                *(values.get(f) or "" for f in TEXT_FIELDS[2:]),
                values.get("owner"),
                values.get("external_id") or "",
                custom_merge(ctx, {}, parsed.custom),
                now,
                now,
            )
        )
        records.append((pk, ImportRecord.Action.CREATED, parsed.line, {}, {}))
        outcome.sample("create", parsed)
    tuples_insert(
        Account,
        ("id", *TEXT_FIELDS, "owner_id", "external_id", "custom", "created_at", "updated_at"),
        inserted,
    )
    records_note(ctx, "account", records)
    outcome.created += len(rows)


def _update(ctx: Context, outcome: Outcome, rows: list[tuple[Parsed, dict[str, Any]]]) -> None:
    if not rows:
        return
    now = timezone.now()
    written, changed_ids = [], []
    records: list[tuple[int, str, int, dict, dict]] = []
    for parsed, found in rows:
        values = parsed.values
        wanted: dict[str, Any] = {f: values[f] for f in TEXT_FIELDS if f in values}
        if "owner" in values:
            wanted["owner_id"] = values["owner"]
        if values.get("external_id"):
            wanted["external_id"] = values["external_id"]
        if not wanted.get("name"):
            wanted.pop("name", None)  # an account always keeps a name
        before, after = changes_apply(ctx, found, wanted)
        custom = custom_merge(ctx, found["custom"] or {}, parsed.custom)
        if custom != (found["custom"] or {}):
            before["custom"], after["custom"] = found["custom"] or {}, custom
        if not after:
            outcome.skipped += 1
            outcome.sample("skip", parsed, "nothing new")
            continue
        written.append((*(after.get(f, found.get(f)) for f in UPDATED), now, found["id"]))
        records.append(
            (
                found["id"],
                ImportRecord.Action.UPDATED,
                parsed.line,
                {k: plain(v) for k, v in before.items()},
                {k: plain(v) for k, v in after.items()},
            )
        )
        changed_ids.append(found["id"])
        outcome.sample("update", parsed)
    tuples_update(Account, (*UPDATED, "updated_at"), written)
    records_note(ctx, "account", records)
    outcome.updated += len(written)
    if changed_ids:
        # Segments of account conditions read these contacts' accounts.
        contacts_changed_announce(
            Contact.objects.filter(account_id__in=changed_ids).values_list("pk", flat=True),
            inputs={INPUT_ACCOUNT},
        )
