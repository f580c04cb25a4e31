"""Filtering records on a custom field: one expression per kind, and the operators on it.

Segment conditions, ICP rules and the list filters all filter through ``custom_filter_q``, so
the SQL a filter emits is the expression ``custom_value`` builds, and the expression index a
filtered field gets (``fields.indexes.custom_field_index_ensure``) is built from the very same
expression: the database can only use an index whose expression matches the query's.

How each kind is compared, on SQLite and PostgreSQL alike:

- text: lower-cased (``lower(custom ->> 'key')``): equals ignores case, and the index helps it;
  "contains" is a ``LIKE '%…%'`` no B-tree index can answer.
- number and money: cast to a number (``::numeric`` / ``CAST(… AS NUMERIC)``), so 9 < 10 and
  money kept as the text "1200.50" compares as 1200.5.
- date: the ISO text (``"2027-03-01"``), which sorts as dates do.
- one choice: the text as kept (``value_clean`` spells it as the definition does).
- yes/no and several choices are not indexed: a yes/no splits the records in two (a scan is
  as fast), and "contains any" reads inside a JSON array (``json_each`` / ``?|``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    DecimalField,
    Expression,
    F,
    FloatField,
    Q,
    TextField,
    Value,
)
from django.db.models.lookups import (
    Exact,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThanOrEqual,
)

from tandem.fields.models import CustomField, FieldKind
from tandem.fields.values import value_clean

# Keys are slugs: they are written into SQL as literals (an index expression cannot take
# parameters), so nothing else may ever reach ``custom_value``.
KEY = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,59}$")

OPS_BY_KIND: dict[str, list[tuple[str, str]]] = {
    FieldKind.TEXT: [
        ("equals", "is"),
        ("not_equals", "is not"),
        ("contains", "contains"),
        ("is_empty", "is empty"),
        ("is_not_empty", "is not empty"),
    ],
    FieldKind.NUMBER: [
        ("equals", "is"),
        ("gte", "is at least"),
        ("lte", "is at most"),
        ("between", "is between"),
        ("is_empty", "is empty"),
        ("is_not_empty", "is not empty"),
    ],
    FieldKind.DATE: [
        ("equals", "is on"),
        ("gte", "is on or after"),
        ("lte", "is on or before"),
        ("between", "is between"),
        ("is_empty", "is empty"),
        ("is_not_empty", "is not empty"),
    ],
    FieldKind.YES_NO: [("is_yes", "is yes"), ("is_no", "is no or empty")],
    FieldKind.CHOICE: [
        ("one_of", "is one of"),
        ("is_empty", "is empty"),
        ("is_not_empty", "is not empty"),
    ],
    FieldKind.CHOICES: [
        ("any_of", "contains any of"),
        ("is_empty", "is empty"),
        ("is_not_empty", "is not empty"),
    ],
}
OPS_BY_KIND[FieldKind.MONEY] = OPS_BY_KIND[FieldKind.NUMBER]
ALL_OPS: dict[str, str] = {op: label for ops in OPS_BY_KIND.values() for op, label in ops}
VALUELESS = frozenset({"is_empty", "is_not_empty", "is_yes", "is_no"})
LISTED = frozenset({"one_of", "any_of"})
NUMERIC = frozenset({FieldKind.NUMBER, FieldKind.MONEY})


class CustomValue(Expression):
    """The value of ``key`` in a record's custom column (``column``: ``custom`` or a related
    record's, ``account__custom``) as the filters of its ``kind`` compare it."""

    def __init__(self, column: str, key: str, kind: str) -> None:
        if not KEY.match(key):
            raise ValueError(f"{key!r} is not a custom field key")
        # A float field, not a decimal one: Django wraps a decimal expression in one more
        # CAST on SQLite in an index but not in a WHERE, and the two would no longer match.
        # The SQL is ours either way (``::numeric`` on PostgreSQL).
        output: Any = TextField()
        if kind in NUMERIC:
            output = FloatField()
        elif kind == FieldKind.YES_NO:
            output = BooleanField()
        super().__init__(output_field=output)
        self.column, self.key, self.kind = column, key, kind
        self.source = F(column)

    def get_source_expressions(self) -> list[Any]:
        return [self.source]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.source,) = exprs

    def __repr__(self) -> str:
        return f"CustomValue({self.column!r}, {self.key!r}, {self.kind!r})"

    @property
    def identity(self) -> tuple[Any, ...]:
        return (type(self), self.column, self.key, self.kind)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CustomValue) and self.identity == other.identity

    def __hash__(self) -> int:
        return hash(self.identity)

    # The stubs type the parameters as str | int; a compiled column's may be anything.
    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source)
        if connection.vendor == "postgresql":
            text = f"({column} ->> '{self.key}')"
            if self.kind in NUMERIC:
                return f"({text})::numeric", params
            if self.kind == FieldKind.YES_NO:
                return f"({text})::boolean", params
        else:
            text = f"json_extract({column}, '$.\"{self.key}\"')"
            if self.kind in NUMERIC:
                return f"CAST({text} AS NUMERIC)", params
        if self.kind == FieldKind.TEXT:
            return f"lower({text})", params
        return text, params


class ChoicesAny(Expression):
    """Whether the list kept under ``key`` holds any of ``values``."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, key: str, values: list[str]) -> None:
        if not KEY.match(key):
            raise ValueError(f"{key!r} is not a custom field key")
        super().__init__()
        self.key, self.values = key, list(values)
        self.source = F(column)

    def get_source_expressions(self) -> list[Any]:
        return [self.source]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.source,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source)
        if connection.vendor == "postgresql":
            return f"(({column} -> '{self.key}') ?| %s::text[])", [*params, self.values]
        marks = ", ".join("%s" for _ in self.values)
        # The key is a checked slug (KEY) and the values go as parameters.
        sql = (
            f"EXISTS (SELECT 1 FROM json_each({column}, '$.\"{self.key}\"') AS item "  # noqa: S608
            f"WHERE item.value IN ({marks}))"
        )
        return sql, [*params, *self.values]


def custom_value(field: CustomField, *, prefix: str = "") -> CustomValue:
    """The expression a filter on ``field`` compares (and its index is built on)."""
    return CustomValue(f"{prefix}custom", field.key, field.kind)


@dataclass(frozen=True)
class CustomFilter:
    """A checked filter on one custom field: ``field op value [and value_to]``."""

    field: CustomField
    op: str
    value: Any = None
    value_to: Any = None

    def q(self, *, prefix: str = "") -> Q:
        """The filter as a Q over the field's records (``prefix`` for a related record's)."""
        return _q(self, prefix)

    def describe(self) -> str:
        words = f"{self.field.label} {ALL_OPS[self.op]}"
        if self.op in LISTED:
            return f"{words} {', '.join(map(str, self.value))}"
        if self.op == "between":
            return f"{words} {self.value} and {self.value_to}"
        return words if self.op in VALUELESS else f"{words} {self.value}"


def _q(spec: CustomFilter, prefix: str) -> Q:
    field, op = spec.field, spec.op
    expression = custom_value(field, prefix=prefix)
    empty = Q(IsNull(expression, True))
    if op == "is_empty":
        return empty
    if op == "is_not_empty":
        return ~empty
    if op == "is_yes":
        return Q(Exact(expression, Value(True)))
    if op == "is_no":
        return ~Q(Exact(expression, Value(True))) | empty
    if op == "any_of":
        return Q(ChoicesAny(f"{prefix}custom", field.key, spec.value))
    if op == "one_of":
        return Q(In(expression, list(spec.value)))
    value, value_to = _comparable(field, spec.value), _comparable(field, spec.value_to)
    if op == "equals":
        return Q(Exact(expression, value))
    if op == "not_equals":
        return ~Q(Exact(expression, value)) | empty
    if op == "contains":
        text = str(spec.value).lower().replace("\\", "\\\\").replace("%", r"\%")
        return Q(_Contains(expression, text.replace("_", r"\_")))
    if op == "gte":
        return Q(GreaterThanOrEqual(expression, value))
    if op == "lte":
        return Q(LessThanOrEqual(expression, value))
    return Q(GreaterThanOrEqual(expression, value)) & Q(LessThanOrEqual(expression, value_to))


class _Contains(Expression):
    """``expression LIKE '%text%'`` (the expression is already lower-cased)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression: Any, text: str) -> None:
        super().__init__()
        self.expression, self.text = expression, text

    def get_source_expressions(self) -> list[Any]:
        return [self.expression]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.expression,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.expression)
        return f"{sql} LIKE %s ESCAPE '\\'", [*params, f"%{self.text}%"]


def _comparable(field: CustomField, value: Any) -> Any:
    """A cleaned value as the filter's expression compares it."""
    if value is None:
        return None
    if field.kind in NUMERIC:
        return Value(Decimal(str(value)), output_field=DecimalField())
    if field.kind == FieldKind.TEXT:
        return Value(str(value).lower())
    return Value(str(value))


def custom_filter_clean(
    field: CustomField, op: str, value: Any = None, value_to: Any = None
) -> CustomFilter:
    """A filter checked against its field; ``ValueError`` keyed by part on a bad one.

    The error's ``args[0]`` is ``(part, message)`` with part ``op``, ``value`` or ``value_to``."""
    allowed = dict(OPS_BY_KIND[field.kind])
    if op not in allowed:
        raise ValueError("op", f"for {field.label} use one of: {', '.join(allowed)}")
    if op in VALUELESS:
        return CustomFilter(field, op)
    if op in LISTED:
        items = value if isinstance(value, list) else re.split(r"[,;|]", str(value or ""))
        items = [i for i in (str(v).strip() for v in items) if i]
        if not items:
            raise ValueError("value", f"{field.label}: choose at least one value")
        try:
            picked = [value_clean(field, item) for item in items]
        except ValueError as error:
            raise ValueError("value", str(error)) from None
        flat = [p for item in picked for p in (item if isinstance(item, list) else [item])]
        return CustomFilter(field, op, list(dict.fromkeys(flat)))
    cleaned = _one_value(field, value, "value")
    cleaned_to = _one_value(field, value_to, "value_to") if op == "between" else None
    if op == "between" and _ordered(field, cleaned_to) < _ordered(field, cleaned):
        raise ValueError("value_to", f"{field.label}: the end comes before the start")
    return CustomFilter(field, op, cleaned, cleaned_to)


def _one_value(field: CustomField, raw: Any, part: str) -> Any:
    try:
        cleaned = value_clean(field, raw)
    except ValueError as error:
        raise ValueError(part, str(error)) from None
    if cleaned is None:
        raise ValueError(part, f"{field.label}: give a value")
    return cleaned


def _ordered(field: CustomField, value: Any) -> Any:
    return Decimal(str(value)) if field.kind in NUMERIC else str(value)
