"""The rule language's base: a condition type, its parameters, the registry, evaluation context.

A rule is JSON stored on ``Segment.rule``::

    {"match": "all", "conditions": [
        {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"},
        {"type": "behaviour", "action": "opened_email", "at_least": 2, "within_days": 30},
        {"match": "any", "conditions": [...]}
    ]}

Each condition type is a small class registered with ``@condition``: it declares its
parameters (the rule builder draws its inputs from them), checks a raw JSON condition and
returns a Django ``Q`` over ``people.Contact``. Every problem is an ``InvalidInput`` naming the
path of the bad part (``rule.conditions[2].days``); nothing that cannot be evaluated is ever
treated as "matches everyone".

What a condition reads is named with people's inputs (``people.hooks.INPUT_*``), plus
``input_static_list`` for the members of a static list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import BigIntegerField, Expression, Q, QuerySet
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.people.hooks import INPUT_CONTACT

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_DAYS = 3650


class RuleError(InvalidInput):
    """A rule that cannot be evaluated; ``errors`` maps the path of each bad part to why."""


@dataclass
class Param:
    """One input of a condition type, as the rule builder shows it."""

    name: str
    label: str
    kind: str  # "choice", "choices" (several), "text", "int", "segment", "form", "campaign", "user"
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = True
    hint: str = ""
    # Shown only when another parameter has (or has not) one of these values.
    show_when: dict[str, list[str]] = field(default_factory=dict)
    hide_when: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "show_when": self.show_when,
            "hide_when": self.hide_when,
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "choices": [list(c) for c in self.choices],
            "required": self.required,
            "hint": self.hint,
        }


def input_static_list(segment_id: int) -> str:
    """The input "membership of static list N" (changed by adding or removing its members)."""
    return f"segment:{segment_id}"


class ContactSet(Expression):
    """The contacts an evaluation is restricted to, bound as ONE parameter (a JSON array on
    SQLite, an array on PostgreSQL), so the SQL is the same for one contact or five hundred and
    a statement stays far below the databases' limits on parameters."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(output_field=BigIntegerField())
        self.ids = list(ids)

    # The stubs type parameters as str | int; an array parameter is neither, so the override
    # is declared loosely on purpose.
    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if connection.vendor == "postgresql":
            return "(SELECT unnest(%s::bigint[]))", [self.ids]
        return "(SELECT value FROM json_each(%s))", [json.dumps(self.ids)]


@dataclass
class EvalContext:
    """What evaluation needs: the clock, an optional set of contacts to restrict subqueries to,
    and the segments already being expanded (so a cycle is an error, never a loop)."""

    now: dt.datetime = field(default_factory=timezone.now)
    # Set when evaluating for a few contacts (the incremental refresh): conditions read their
    # rows per contact (correlated to the contact row) rather than for everyone.
    contact_ids: list[int] | None = None
    expanding: tuple[int, ...] = ()


class Condition:
    """A registered condition type. Subclasses declare ``type``, ``label``, ``params`` and
    implement ``clean`` (raw JSON → checked values) and ``q`` (values → a Q over contacts)."""

    type: ClassVar[str]
    label: ClassVar[str]
    group: ClassVar[str] = "Contact"
    params: ClassVar[list[Param]]
    # Conditions whose answer changes with the clock alone (a 30-day window) need the sweep.
    time_relative: ClassVar[bool] = False

    def __init__(self, values: dict[str, Any], path: str):
        self.values = values
        self.path = path

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        raise NotImplementedError

    def q(self, ctx: EvalContext) -> Q:
        raise NotImplementedError

    # Which inputs (``INPUT_*``) the answer reads; most conditions read the contact's own row.
    reads: ClassVar[frozenset[str]] = frozenset({INPUT_CONTACT})

    def is_time_relative(self) -> bool:
        return self.time_relative

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        """What a change must touch for this condition's answer to move."""
        return self.reads

    def segment_refs(self) -> set[int]:
        return set()

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        return self.label

    @classmethod
    def spec(cls) -> dict[str, Any]:
        return {
            "type": cls.type,
            "label": cls.label,
            "group": cls.group,
            "params": [p.as_dict() for p in cls.params],
        }


CONDITIONS: dict[str, type[Condition]] = {}


def condition(cls: type[Condition]) -> type[Condition]:
    """Register a condition type under its ``type`` name."""
    if cls.type in CONDITIONS:
        raise ValueError(f"condition type {cls.type!r} is registered twice")
    CONDITIONS[cls.type] = cls
    return cls


@dataclass(frozen=True)
class Reference:
    """A kind of record a parameter names by id (``Param.kind``: a segment, a form, a campaign).

    Registered by the app that owns the records, so that segments never imports the apps above
    it: the rule checks that the record exists, the builder lists them, the description names
    them."""

    kind: str
    noun: str
    # Every record of the kind, each with a ``name``.
    records: Callable[[], QuerySet]


REFERENCES: dict[str, Reference] = {}


def reference_register(reference: Reference) -> None:
    """Make records of ``reference.kind`` nameable in rules (again: replaced, not doubled)."""
    REFERENCES[reference.kind] = reference
