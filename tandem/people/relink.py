"""Every row that points at one record, moved to another: the generic half of a merge.

``people`` sits low in the house and cannot name the tables of the apps above it (deals,
leads, segment members, comments, survey answers …). It does not need to: Django knows every
foreign key that points at a model, in every installed app, hidden ones (``related_name="+"``)
and many-to-many through tables included. ``references_to`` lists them, ``references_count``
counts a record's rows per reference and ``references_move`` re-points them, one ``UPDATE``
per reference, so a table added later is merged without a line changed here.

- A unique constraint that includes the key (one consent per channel, one membership per
  segment, one waiting lead per contact, a one-to-one) would break when both records have a
  row with the same other values. Such a pair is settled before the move: one row survives,
  the other's own references are moved onto the survivor and it is deleted (a true
  duplicate). The kept record's row survives, unless the table registered another rule with
  ``duplicate_rule_set`` (people's consent: the newer statement wins, as ``consent_record``
  would have kept it).
- Columns that hold a record's id without a foreign key (the audit trail's ``record_id``)
  are history and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

# How deep a duplicate's own references are followed (a lead's deals, a recipient's clicks).
_MAX_DEPTH = 3


@dataclass(frozen=True)
class Unique:
    """A unique constraint of a referencing table that includes the key (field names)."""

    fields: tuple[str, ...]
    condition: Q | None = None


@dataclass(frozen=True)
class Reference:
    """One foreign key pointing at the merged model, and the unique rules it takes part in."""

    model: type[models.Model]
    field: models.ForeignKey
    uniques: tuple[Unique, ...]

    @property
    def label(self) -> str:
        """``app.Model.field``: stable, for counts, audit entries and the API."""
        return f"{self.model._meta.label}.{self.field.name}"

    @property
    def title(self) -> str:
        """What a person calls these rows: "touches", "deals (as partner)"."""
        plural = str(self.model._meta.verbose_name_plural)
        target = self.field.related_model._meta.model_name
        if self.field.name == target or self.model._meta.auto_created:
            return plural
        return f"{plural} (as {self.field.verbose_name})"


# Which of two duplicate rows survives, by table label: (datetime field, "newer"|"older").
DUPLICATE_RULES: dict[str, tuple[str, str]] = {"people.Consent": ("recorded_at", "newer")}


def duplicate_rule_set(label: str, *, field: str, keep: str) -> None:
    """Register which of two duplicate rows of table ``label`` survives a merge: the one with
    the ``keep`` ("newer" or "older") value of ``field``. Called from an app's ``ready()``."""
    if keep not in ("newer", "older"):
        raise ValueError("keep must be 'newer' or 'older'")
    DUPLICATE_RULES[label] = (field, keep)


def _uniques(model: type[models.Model], field: models.ForeignKey) -> tuple[Unique, ...]:
    found: list[Unique] = []
    if field.unique:
        found.append(Unique((field.name,)))
    for together in model._meta.unique_together:
        if field.name in together:
            found.append(Unique(tuple(together)))
    for constraint in model._meta.constraints:
        fields = tuple(getattr(constraint, "fields", ()) or ())
        if isinstance(constraint, models.UniqueConstraint) and field.name in fields:
            found.append(Unique(fields, constraint.condition))
    return tuple(found)


def references_to(model: type[models.Model]) -> list[Reference]:
    """Every foreign key (and one-to-one, and many-to-many through table's key) in every app
    that points at ``model``, in a stable order."""
    refs = []
    for rel in model._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or rel.many_to_many:
            continue  # a many-to-many's through table has its own foreign key, listed too
        holder, field = rel.related_model, rel.field
        if not isinstance(field, models.ForeignKey) or holder is None:
            continue
        if not holder._meta.managed or holder._meta.proxy:
            continue
        refs.append(Reference(holder, field, _uniques(holder, field)))
    return sorted(refs, key=lambda r: r.label)


def references_count(model: type[models.Model], pk: int) -> dict[str, int]:
    """How many rows of each reference point at record ``pk`` (only the non-zero ones)."""
    counts = {}
    for ref in references_to(model):
        n = ref.model._base_manager.filter(**{ref.field.attname: pk}).count()
        if n:
            counts[ref.label] = n
    return counts


def references_move(model: type[models.Model], old_pk: int, new_pk: int) -> dict[str, list[int]]:
    """Point every row that points at ``old_pk`` at ``new_pk`` instead.

    Returns, per reference label, ``[moved, dropped]``: rows re-pointed, and duplicates
    deleted because the other record already had the row a unique constraint allows once."""
    return _move(model, old_pk, new_pk, depth=0)


def _move(model: type[models.Model], old_pk: Any, new_pk: Any, depth: int) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for ref in references_to(model):
        dropped = sum(_settle(ref, unique, old_pk, new_pk, depth) for unique in ref.uniques)
        manager = ref.model._base_manager
        moved = manager.filter(**{ref.field.attname: old_pk}).update(**{ref.field.attname: new_pk})
        if moved or dropped:
            result[ref.label] = [moved, dropped]
    return result


def _settle(ref: Reference, unique: Unique, old_pk: Any, new_pk: Any, depth: int) -> int:
    """Delete one row of each pair the move would make break ``unique``; returns how many
    rows went (of either record: the total after the move is the sum less these)."""
    opts = ref.model._meta
    others = [
        getattr(opts.get_field(n), "attname", n) for n in unique.fields if n != ref.field.name
    ]
    rows = ref.model._base_manager.all()
    if unique.condition is not None:
        rows = rows.filter(unique.condition)
    key = ref.field.attname
    kept_rows = {
        tuple(values[:-1]): values[-1]
        for values in rows.filter(**{key: new_pk}).values_list(*others, "pk")
        if None not in values
    }
    dropped = 0
    for values in rows.filter(**{key: old_pk}).values_list(*others, "pk"):
        other_pk = kept_rows.get(tuple(values[:-1]))
        if other_pk is None:
            continue
        winner, loser = _winner(ref.model, values[-1], other_pk)
        _row_absorb(ref.model, loser=loser, winner=winner, depth=depth)
        dropped += 1
    return dropped


def _winner(model: type[models.Model], old_row: Any, kept_row: Any) -> tuple[Any, Any]:
    """(winner, loser) of two duplicate rows: the kept record's, unless a rule says otherwise."""
    rule = DUPLICATE_RULES.get(model._meta.label)
    if rule is None:
        return kept_row, old_row
    field, keep = rule
    stamps = dict(model._base_manager.filter(pk__in=[old_row, kept_row]).values_list("pk", field))
    old_at, kept_at = stamps.get(old_row), stamps.get(kept_row)
    if old_at is None or kept_at is None or old_at == kept_at:
        return kept_row, old_row
    old_wins = old_at > kept_at if keep == "newer" else old_at < kept_at
    return (old_row, kept_row) if old_wins else (kept_row, old_row)


def _row_absorb(model: type[models.Model], *, loser: Any, winner: Any, depth: int) -> None:
    """The loser row's own references move to the winner row, then the loser is deleted."""
    if depth < _MAX_DEPTH:
        _move(model, loser, winner, depth + 1)
    model._base_manager.filter(pk=loser).delete()
