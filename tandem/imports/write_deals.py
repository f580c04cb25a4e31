"""A chunk of deal rows written: dedupe by external id; linked to their account (created when
the file names one Tandem lacks) and contact; a stage move recorded for each stage set.

A deal needs an owner: a row without a known one is owned by the person importing (said in
a problem). Opening an imported deal does not move its contact's lifecycle stage, unlike
``sales.services.deal_open``: the file's contact stages say where each contact stands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tandem.core.business_events import business_event_announce
from tandem.imports.chunks import (
    Outcome,
    accounts_link,
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
from tandem.people.models import Contact
from tandem.sales.models import Deal, DealStageMove, PipelineStage

CURRENT = (
    "id",
    "name",
    "amount",
    "expected_close_on",
    "owner_id",
    "stage_id",
    "account_id",
    "contact_id",
    "external_id",
    "custom",
    "closed_at",
    "still_open",
)
UPDATED = (
    "name",
    "amount",
    "expected_close_on",
    "owner_id",
    "stage_id",
    "account_id",
    "contact_id",
    "external_id",
    "custom",
    "closed_at",
    "still_open",
)
INSERTED = (
    "id",
    "name",
    "account_id",
    "contact_id",
    "owner_id",
    "pipeline_id",
    "stage_id",
    "amount",
    "expected_close_on",
    "is_repeat_purchase",
    "private_notes",
    "lost_reason",
    "external_id",
    "custom",
    "created_at",
    "closed_at",
    "still_open",
)


def _contacts_link(rows: list[Parsed]) -> dict[int, int | None]:
    emails = {p.values["contact.email"] for p in rows if p.values.get("contact.email")}
    externals = {
        p.values["contact.external_id"] for p in rows if p.values.get("contact.external_id")
    }
    by_email = (
        dict(Contact.objects.filter(email__in=emails).values_list("email", "id")) if emails else {}
    )
    by_external = (
        dict(Contact.objects.filter(external_id__in=externals).values_list("external_id", "id"))
        if externals
        else {}
    )
    linked: dict[int, int | None] = {}
    for parsed in rows:
        found = by_email.get(parsed.values.get("contact.email") or "") or by_external.get(
            parsed.values.get("contact.external_id") or ""
        )
        if found is None and (
            parsed.values.get("contact.email") or parsed.values.get("contact.external_id")
        ):
            value = parsed.values.get("contact.email") or parsed.values.get("contact.external_id")
            parsed.note(
                "contact", str(value), f"no contact {value} in Tandem: the deal has no contact"
            )
        linked[parsed.line] = found
    return linked


def deals_write(ctx: Context, rows: list[Parsed]) -> Outcome:
    """Plan and write one chunk of deal rows (inside the caller's transaction)."""
    outcome = Outcome()
    kept: list[Parsed] = []
    seen: dict[str, int] = {}
    for parsed in rows_sorted_out(outcome, rows):
        external = parsed.values.get("external_id")
        if external and external in seen:
            refuse(
                outcome,
                parsed,
                "",
                external,
                f"same deal as line {seen[external]} of this "
                "file: one deal was imported, from the first line; this row was skipped",
            )
            continue
        if external:
            seen[external] = parsed.line
        kept.append(parsed)
    externals = {p.values["external_id"] for p in kept if p.values.get("external_id")}
    current = (
        {
            d["external_id"]: d
            for d in Deal.objects.filter(external_id__in=externals).values(*CURRENT)
        }
        if externals
        else {}
    )
    already = lines_already_written(ctx.job, "deal", (d["id"] for d in current.values()))
    creates, updates = [], []
    for parsed in kept:
        found = current.get(parsed.values.get("external_id") or "")
        if found is not None and found["id"] in already:
            refuse(
                outcome,
                parsed,
                "",
                found["name"],
                f"same deal as line {already[found['id']]} of this file: this row was skipped",
            )
        elif not mode_allows(outcome, ctx, parsed, found is not None):
            continue
        elif found is not None:
            updates.append((parsed, found))
        elif not parsed.values.get("name"):
            refuse(outcome, parsed, "", "", "a new deal needs a name")
        else:
            creates.append(parsed)
    writing = creates + [p for p, _ in updates]
    accounts = accounts_link(ctx, outcome, writing, email_key=None) if writing else {}
    contacts = _contacts_link(writing)
    for parsed in writing:
        outcome.problems.extend(p for p in parsed.problems if p.column == "contact")
    _create(ctx, outcome, creates, accounts, contacts)
    _update(ctx, outcome, updates, accounts, contacts)
    return outcome


def _stage_of(ctx: Context, parsed: Parsed) -> PipelineStage:
    stage = parsed.values.get("stage")
    if stage is None:
        stage = next(s for s in ctx.stages.values() if s.outcome == PipelineStage.Outcome.OPEN)
    return stage


def _closed_at(stage: PipelineStage, close_date: dt.date | None, now: dt.datetime) -> Any:
    if stage.outcome == PipelineStage.Outcome.OPEN:
        return None
    if close_date:
        return dt.datetime.combine(close_date, dt.time(12), tzinfo=dt.UTC)
    return now


def _owner(ctx: Context, outcome: Outcome, parsed: Parsed) -> int:
    owner = parsed.values.get("owner")
    if owner is None:
        return ctx.user.pk
    return owner


def _create(
    ctx: Context, outcome: Outcome, rows: list[Parsed], accounts: dict, contacts: dict
) -> None:
    if not rows:
        return
    now = timezone.now()
    ids = ids_reserve(Deal, len(rows))
    inserted, moves = [], []
    records: list[tuple[int, str, int, dict, dict]] = []
    for pk, parsed in zip(ids, rows, strict=True):
        values = parsed.values
        stage = _stage_of(ctx, parsed)
        inserted.append(
            (
                pk,
                values["name"],
                accounts.get(parsed.line),
                contacts.get(parsed.line),
                _owner(ctx, outcome, parsed),
                stage.pipeline_id,
                stage.pk,
                values.get("amount") or 0,
                values.get("close_date"),
                False,
                "",
                "",
                values.get("external_id") or "",
                custom_merge(ctx, {}, parsed.custom),
                now,
                _closed_at(stage, values.get("close_date"), now),
                stage.outcome == PipelineStage.Outcome.OPEN,
            )
        )
        moves.append((pk, None, stage.pk, now, ctx.user.pk))
        records.append((pk, ImportRecord.Action.CREATED, parsed.line, {}, {}))
        outcome.sample("create", parsed)
        business_event_announce("deal.created", {"id": pk}, occurred_at=now, subjects={"deal": pk})
    tuples_insert(Deal, INSERTED, inserted)
    _moves_insert(moves)
    records_note(ctx, "deal", records)
    outcome.created += len(rows)


def _moves_insert(moves: list[tuple]) -> None:
    tuples_insert(
        DealStageMove, ("deal_id", "from_stage_id", "to_stage_id", "moved_at", "moved_by_id"), moves
    )


def _update(ctx: Context, outcome: Outcome, rows: list, accounts: dict, contacts: dict) -> None:
    if not rows:
        return
    now = timezone.now()
    written, moves = [], []
    records: list[tuple[int, str, int, dict, dict]] = []
    for parsed, found in rows:
        values = parsed.values
        wanted: dict[str, Any] = {}
        for target, name in (
            ("name", "name"),
            ("amount", "amount"),
            ("close_date", "expected_close_on"),
            ("owner", "owner_id"),
        ):
            if target in values:
                wanted[name] = values[target]
        if not wanted.get("name"):
            wanted.pop("name", None)
        for name, linked in (("account_id", accounts), ("contact_id", contacts)):
            if linked.get(parsed.line) is not None:
                wanted[name] = linked[parsed.line]
        stage = values.get("stage")
        if stage is not None:
            wanted["stage_id"] = stage.pk
            wanted["still_open"] = stage.outcome == PipelineStage.Outcome.OPEN
            if stage.pk != found["stage_id"]:
                wanted["closed_at"] = _closed_at(stage, values.get("close_date"), now)
        before, after = changes_apply(ctx, found, wanted)
        after.pop("amount", None) if after.get("amount") is None and "amount" in after else None
        custom = custom_merge(ctx, found["custom"] or {}, parsed.custom)
        if custom != (found["custom"] or {}):
            before["custom"], after["custom"] = found["custom"] or {}, custom
        if not after:
            outcome.skipped += 1
            outcome.sample("skip", parsed, "nothing new")
            continue
        if "stage_id" in after:
            moves.append((found["id"], found["stage_id"], after["stage_id"], now, ctx.user.pk))
        written.append((*(after.get(f, found.get(f)) for f in UPDATED), found["id"]))
        records.append(
            (
                found["id"],
                ImportRecord.Action.UPDATED,
                parsed.line,
                {k: plain(v) for k, v in before.items()},
                {k: plain(v) for k, v in after.items()},
            )
        )
        outcome.sample("update", parsed)
    tuples_update(Deal, UPDATED, written)
    _moves_insert(moves)
    records_note(ctx, "deal", records)
    outcome.updated += len(written)
