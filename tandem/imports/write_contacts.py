"""A chunk of contact rows written: dedupe by email (then external id), accounts linked,
lifecycle moves and consent recorded, undo records kept; a fixed handful of queries a chunk."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tandem.core.business_events import business_event_announce
from tandem.handoff.scoring import grade_of
from tandem.handoff.scoring import profile as scoring_profile
from tandem.imports.chunks import (
    Outcome,
    accounts_link,
    changes_apply,
    custom_merge,
    db_json,
    db_time,
    lines_already_written,
    mode_allows,
    plain,
    records_note,
    refuse,
    rows_sorted_out,
)
from tandem.imports.mapping import Context, Parsed
from tandem.imports.models import ImportRecord
from tandem.ops.rows import ids_reserve, tuples_insert, tuples_update, values_in
from tandem.people.consent import consents_record_bulk
from tandem.people.lifecycle import move_problem, stage_rules
from tandem.people.models import Consent, Contact, EmailAlias, LifecycleMove, Stage

TEXT_FIELDS = ("first_name", "last_name", "phone", "title")
CURRENT = (
    "id",
    "email",
    *TEXT_FIELDS,
    "account_id",
    "owner_id",
    "lifecycle_stage",
    "lifecycle_changed_at",
    "external_id",
    "custom",
)
UPDATED = (
    *TEXT_FIELDS,
    "owner_id",
    "external_id",
    "account_id",
    "custom",
    "lifecycle_stage",
    "lifecycle_changed_at",
)
INSERTED = (
    "id",
    "email",
    *TEXT_FIELDS,
    "account_id",
    "owner_id",
    "audience_flags",
    "lifecycle_stage",
    "lifecycle_changed_at",
    "score",
    "grade",
    "first_touch_source",
    "first_touch_medium",
    "last_touch_source",
    "last_touch_medium",
    "external_id",
    "custom",
    "created_at",
    "updated_at",
)
ACCOUNT_TARGETS = ("account.external_id", "account.domain", "account.name")


def _keys_check(outcome: Outcome, rows: list[Parsed]) -> list[Parsed]:
    """Rows with a key (email or external id), each key once in the chunk."""
    kept: list[Parsed] = []
    seen: dict[str, int] = {}
    for parsed in rows:
        email, external = parsed.values.get("email"), parsed.values.get("external_id")
        if not email and not external:
            refuse(outcome, parsed, "", "", "the row has no valid email address")
            continue
        key = f"e:{email}" if email else f"x:{external}"
        if key in seen:
            refuse(
                outcome,
                parsed,
                "",
                email or external or "",
                f"same contact as line {seen[key]} of this file ({email or external}): one "
                "contact was imported, from the first line; this row was skipped",
            )
            continue
        seen[key] = parsed.line
        kept.append(parsed)
    return kept


def _id(row: dict[str, Any]) -> int:
    return int(row["id"])


def _current(rows: list[Parsed]) -> dict[int, dict[str, Any]]:
    """{line: the contact's current values} for rows matching one, by email then external id."""
    emails = {p.values["email"] for p in rows if p.values.get("email")}
    by_email = {c["email"]: c for c in values_in(Contact, CURRENT, "email", emails)}
    # An address merged away (``people.EmailAlias``) still names the contact it was merged
    # into: a re-import of the old export must update that contact, not bring the duplicate
    # back. The email itself is never rewritten by an update (``UPDATED`` leaves it out).
    retired = emails - by_email.keys()
    if retired:
        aliases = values_in(EmailAlias, ("email", "contact_id"), "email", retired)
        if aliases:
            kept = {
                c["id"]: c
                for c in values_in(Contact, CURRENT, "id", {a["contact_id"] for a in aliases})
            }
            by_email.update(
                {a["email"]: kept[a["contact_id"]] for a in aliases if a["contact_id"] in kept}
            )
    missing = {
        p.values["external_id"]
        for p in rows
        if p.values.get("external_id") and p.values.get("email") not in by_email
    }
    by_external: dict[str, dict[str, Any]] = {}
    if missing:
        for c in sorted(values_in(Contact, CURRENT, "external_id", missing), key=_id):
            by_external[c["external_id"]] = c
    found: dict[int, dict[str, Any]] = {}
    for parsed in rows:
        match = by_email.get(parsed.values.get("email") or "") or by_external.get(
            parsed.values.get("external_id") or ""
        )
        if match is not None:
            found[parsed.line] = match
    return found


def contacts_write(ctx: Context, rows: list[Parsed]) -> Outcome:
    """Plan and write one chunk of contact rows (inside the caller's transaction)."""
    outcome = Outcome()
    rows = _keys_check(outcome, rows_sorted_out(outcome, rows))
    current = _current(rows)
    already = lines_already_written(ctx.job, "contact", (c["id"] for c in current.values()))
    creates: list[Parsed] = []
    updates: list[tuple[Parsed, dict[str, Any]]] = []
    for parsed in rows:
        found = current.get(parsed.line)
        if found is not None and found["id"] in already:
            refuse(
                outcome,
                parsed,
                "",
                found["email"],
                f"same contact as line {already[found['id']]} of this file ({found['email']}): "
                "one contact was imported, from the first line; this row was skipped",
            )
        elif not mode_allows(outcome, ctx, parsed, found is not None):
            continue
        elif found is not None:
            updates.append((parsed, found))
        elif not parsed.values.get("email"):
            refuse(outcome, parsed, "", "", "a new contact needs an email address")
        else:
            creates.append(parsed)
    linked: dict[int, int | None] = {}
    if creates or updates:
        linked = accounts_link(ctx, outcome, creates + [p for p, _ in updates], email_key="email")
    rules = stage_rules()
    _create(ctx, outcome, creates, linked, rules)
    _update(ctx, outcome, updates, linked, rules)
    return outcome


def _reason(ctx: Context) -> str:
    return f"imported from {ctx.job.filename}"[:500]


def _create(ctx: Context, outcome: Outcome, rows: list[Parsed], linked: dict, rules: Any) -> None:
    if not rows:
        return
    now = timezone.now()
    at = db_time(now)  # the database's form, once for the whole chunk
    actor, reason = _actor_id(ctx), _reason(ctx)
    custom_of = db_json(Contact, "custom")
    # The grade of no fit and no engagement yet, which the rescoring at the end would give
    # most new contacts anyway: it then rewrites only those whose fit or touches earn more.
    grade = grade_of(0, 0, scoring_profile())
    ids = ids_reserve(Contact, len(rows))
    inserted, moves, consents = [], [], []
    records: list[tuple[int, str, int, dict, dict]] = []
    refused: dict[str, str | None] = {}  # stage -> why a new contact cannot start there
    for pk, parsed in zip(ids, rows, strict=True):
        values = parsed.values
        stage = values.get("lifecycle_stage") or Stage.SUBSCRIBER
        if stage != Stage.SUBSCRIBER:
            if stage not in refused:
                refused[stage] = move_problem(Stage.SUBSCRIBER, stage, reason, rules)
            problem = refused[stage]
            if problem:
                parsed.note("lifecycle_stage", stage, f"stage left at subscriber: {problem}")
                outcome.problems.append(parsed.problems[-1])
                stage = Stage.SUBSCRIBER
        inserted.append(
            (
                pk,
                values["email"],
                values.get("first_name") or "",
                values.get("last_name") or "",
                values.get("phone") or "",
                values.get("title") or "",
                linked.get(parsed.line),
                values.get("owner"),
                1,
                stage,
                at,
                0,
                grade,
                "",
                "",
                "",
                "",
                values.get("external_id") or "",
                custom_of(custom_merge(ctx, {}, parsed.custom)),
                at,
                at,
            )
        )
        if values.get("lifecycle_stage"):
            moves.append((pk, "", stage, at, actor, reason))
        if values.get("consent.email") is not None:
            consents.append((pk, values["consent.email"]))
        records.append((pk, ImportRecord.Action.CREATED, parsed.line, {}, {}))
        outcome.sample("create", parsed)
        business_event_announce(
            "contact.created", {"id": pk}, occurred_at=now, subjects={"contact": pk}
        )
    tuples_insert(Contact, INSERTED, inserted, prepared=True)
    _moves_insert(moves)
    consents_record_bulk(
        granted_by_contact=consents, previous=None, at=now, actor_id=_actor_id(ctx)
    )
    records_note(ctx, "contact", records)
    outcome.created += len(rows)
    outcome.contact_ids.extend(ids)


def _actor_id(ctx: Context) -> int | None:
    return ctx.user.pk if getattr(ctx.user, "is_authenticated", False) else None


def _moves_insert(moves: list[tuple]) -> None:
    """Lifecycle moves, their time already in the database's form (``db_time``)."""
    tuples_insert(
        LifecycleMove,
        ("contact_id", "from_stage", "to_stage", "moved_at", "moved_by_id", "reason"),
        moves,
        prepared=True,
    )


def _wanted(ctx: Context, parsed: Parsed, found: dict[str, Any], linked: dict) -> dict[str, Any]:
    values = parsed.values
    wanted: dict[str, Any] = {f: values[f] for f in TEXT_FIELDS if f in values}
    if "owner" in values:
        wanted["owner_id"] = values["owner"]
    if values.get("external_id"):
        wanted["external_id"] = values["external_id"]
    account = linked.get(parsed.line)
    names_account = any(values.get(t) for t in ACCOUNT_TARGETS)
    if account is not None and (names_account or found["account_id"] is None):
        wanted["account_id"] = account
    return wanted


def _update(
    ctx: Context,
    outcome: Outcome,
    rows: list[tuple[Parsed, dict[str, Any]]],
    linked: dict,
    rules: Any,
) -> None:
    if not rows:
        return
    now = timezone.now()
    at = db_time(now)
    consents_now = (
        _consents_current([found["id"] for _, found in rows])
        if "consent.email" in ctx.columns
        else {}
    )
    written, moves, consents = [], [], []
    records: list[tuple[int, str, int, dict, dict]] = []
    for parsed, found in rows:
        before, after = changes_apply(ctx, found, _wanted(ctx, parsed, found, linked))
        custom = custom_merge(ctx, found["custom"] or {}, parsed.custom)
        if custom != (found["custom"] or {}):
            before["custom"], after["custom"] = found["custom"] or {}, custom
        stage = parsed.values.get("lifecycle_stage")
        if stage and stage != found["lifecycle_stage"]:
            problem = move_problem(found["lifecycle_stage"], stage, _reason(ctx), rules)
            if problem:
                parsed.note("lifecycle_stage", stage, f"stage not changed: {problem}")
                outcome.problems.append(parsed.problems[-1])
            else:
                before["lifecycle_stage"], after["lifecycle_stage"] = (
                    found["lifecycle_stage"],
                    stage,
                )
                before["lifecycle_changed_at"] = plain(found["lifecycle_changed_at"])
                after["lifecycle_changed_at"] = now
                move = (found["id"], found["lifecycle_stage"], stage, at)
                moves.append((*move, _actor_id(ctx), _reason(ctx)))
        consent = parsed.values.get("consent.email")
        if consent is not None and consents_now.get(found["id"], (None,))[0] != consent:
            before["consent.email"] = consents_now.get(found["id"])
            after["consent.email"] = [consent, "import", now.isoformat()]
            consents.append((found["id"], consent))
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
        outcome.sample("update", parsed)
        outcome.contact_ids.append(found["id"])
        business_event_announce(
            "contact.updated",
            {"id": found["id"], "changed": sorted(after)},
            occurred_at=now,
            subjects={"contact": found["id"]},
        )
    tuples_update(Contact, (*UPDATED, "updated_at"), written)
    _moves_insert(moves)
    consents_record_bulk(
        granted_by_contact=consents,
        previous={cid: consents_now.get(cid, [None])[0] for cid, _ in consents},
        at=now,
        actor_id=_actor_id(ctx),
    )
    records_note(ctx, "contact", records)
    outcome.updated += len(written)


def _consents_current(contact_ids: list[int]) -> dict[int, list[Any]]:
    rows = Consent.objects.filter(contact_id__in=contact_ids, channel="email").values_list(
        "contact_id", "is_granted", "source", "recorded_at"
    )
    return {cid: [granted, source, plain(at)] for cid, granted, source, at in rows}
