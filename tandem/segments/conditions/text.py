"""Text conditions: the operators, the case-insensitive lookups, and the base of field types."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Q
from django.db.models.lookups import IContains, IEndsWith, IExact, IStartsWith, Lookup

from tandem.segments.conditions.base import Condition, EvalContext
from tandem.segments.conditions.params import choice_clean, text_clean

TEXT_OPS = [
    ("equals", "is"),
    ("not_equals", "is not"),
    ("contains", "contains"),
    ("not_contains", "does not contain"),
    ("starts_with", "starts with"),
    ("ends_with", "ends with"),
    ("is_empty", "is empty"),
    ("is_not_empty", "is not empty"),
]
VALUELESS_OPS = frozenset({"is_empty", "is_not_empty"})
TEXT_LOOKUPS = {
    "equals": "segment_iexact",
    "contains": "segment_icontains",
    "starts_with": "segment_istartswith",
    "ends_with": "segment_iendswith",
}


class _PlannedILike:
    """On PostgreSQL, ``column ILIKE pattern`` in place of Django's ``UPPER(column) = UPPER(v)``
    (and ``UPPER(column) LIKE UPPER(pattern)``). Same answer; but the planner estimates ILIKE
    from the column's statistics, while for ``UPPER(column)`` it has none and guesses 0.5 % of
    rows. For "industry is Manufacturing" (a fifth of all contacts) that guess chose nested
    loops that took seconds at a million contacts. Other databases keep Django's SQL."""

    django_name: ClassVar[str]

    def get_rhs_op(self, connection: Any, rhs: str) -> str:
        return connection.operators[self.django_name] % rhs

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = Lookup.process_lhs(self, compiler, connection)  # type: ignore[arg-type]
        rhs, rhs_params = self.process_rhs(compiler, connection)  # type: ignore[attr-defined]
        return f"{lhs}::text ILIKE {rhs}", [*lhs_params, *rhs_params]


class _EqualsIgnoringCase(_PlannedILike, IExact):
    lookup_name = "segment_iexact"
    django_name = "iexact"


class _ContainsIgnoringCase(_PlannedILike, IContains):
    lookup_name = "segment_icontains"
    django_name = "icontains"


class _StartsWithIgnoringCase(_PlannedILike, IStartsWith):
    lookup_name = "segment_istartswith"
    django_name = "istartswith"


class _EndsWithIgnoringCase(_PlannedILike, IEndsWith):
    lookup_name = "segment_iendswith"
    django_name = "iendswith"


_TEXT_LOOKUP_TYPES = (
    _EqualsIgnoringCase,
    _ContainsIgnoringCase,
    _StartsWithIgnoringCase,
    _EndsWithIgnoringCase,
)


def text_lookups_register(model: Any, names: list[str]) -> None:
    """Register the lookups on these fields only (not on every CharField of the project)."""
    for name in names:
        text_field = model._meta.get_field(name)
        for lookup in _TEXT_LOOKUP_TYPES:
            text_field.register_lookup(lookup)


def text_q(column: str, op: str, value: str, *, nullable: bool) -> Q:
    """The text operator ``op`` on ``column`` as a Q (with ``nullable``, NULL counts as empty)."""
    if op == "is_empty":
        empty = Q(**{column: ""})
        return empty | Q(**{f"{column}__isnull": True}) if nullable else empty
    if op == "is_not_empty":
        return ~text_q(column, "is_empty", "", nullable=nullable)
    if op.startswith("not_"):
        return ~text_q(column, op.removeprefix("not_"), value, nullable=nullable)
    return Q(**{f"{column}__{TEXT_LOOKUPS[op]}": value})


class TextField(Condition):
    """A text field of the contact (or, with ``prefix``, of a related row) and an operator."""

    field_choices: ClassVar[list[tuple[str, str]]]
    prefix: ClassVar[str] = ""
    nullable: ClassVar[bool] = False

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        values = {
            "field": choice_clean(raw, path, "field", cls.field_choices),
            "op": choice_clean(raw, path, "op", TEXT_OPS),
        }
        values["value"] = "" if values["op"] in VALUELESS_OPS else text_clean(raw, path, "value")
        return values

    def q(self, ctx: EvalContext) -> Q:
        v = self.values
        return text_q(self.prefix + v["field"], v["op"], v["value"], nullable=self.nullable)

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        v = self.values
        field_label = dict(self.field_choices)[v["field"]]
        op_label = dict(TEXT_OPS)[v["op"]]
        return f"{field_label} {op_label}" + (f" “{v['value']}”" if v["value"] else "")
