"""Rules: AND/OR groups of conditions, parsed and checked, as a Q, as stored, in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from tandem.people.models import Contact
from tandem.segments.conditions.base import (
    CONDITIONS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    REFERENCES,
    Condition,
    EvalContext,
    RuleError,
)

MATCHES = [("all", "all of"), ("any", "any of")]


@dataclass
class Group:
    """AND (``all``) or OR (``any``) of conditions and groups."""

    match: str
    children: list[Group | Condition]
    path: str

    def q(self, ctx: EvalContext) -> Q:
        q = Q()
        for child in self.children:
            child_q = child.q(ctx)
            q = (q & child_q) if self.match == "all" else (q | child_q)
        return q

    def walk(self):
        for child in self.children:
            if isinstance(child, Group):
                yield from child.walk()
            else:
                yield child

    def is_time_relative(self) -> bool:
        return any(c.is_time_relative() for c in self.walk())

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        """Every input (``INPUT_*``, ``input_static_list``) some condition of the rule reads."""
        found: frozenset[str] = frozenset()
        for c in self.walk():
            found |= c.inputs(expanding)
        return found

    def segment_refs(self) -> set[int]:
        refs: set[int] = set()
        for c in self.walk():
            refs |= c.segment_refs()
        return refs


def parse_rule(raw: Any, path: str = "rule", depth: int = 1) -> Group:
    """The rule checked and built, or ``RuleError`` naming the path of the first bad part."""
    if not isinstance(raw, dict):
        raise RuleError({path: "a rule is an object with “match” and “conditions”"})
    match = raw.get("match", "all")
    if match not in ("all", "any"):
        raise RuleError({f"{path}.match": "use “all” or “any”"})
    items = raw.get("conditions")
    if not isinstance(items, list) or not items:
        raise RuleError({f"{path}.conditions": "add at least one condition"})
    if len(items) > MAX_CONDITIONS:
        raise RuleError({f"{path}.conditions": f"at most {MAX_CONDITIONS} conditions per group"})
    children: list[Group | Condition] = []
    for n, item in enumerate(items):
        item_path = f"{path}.conditions[{n}]"
        if isinstance(item, dict) and "conditions" in item:
            if depth >= MAX_DEPTH:
                raise RuleError({item_path: f"groups nest at most {MAX_DEPTH} deep"})
            children.append(parse_rule(item, item_path, depth + 1))
            continue
        if not isinstance(item, dict):
            raise RuleError({item_path: "a condition is an object with a “type”"})
        kind = item.get("type")
        if kind not in CONDITIONS:
            known = ", ".join(sorted(CONDITIONS))
            message = f"unknown condition type {kind!r}; use one of {known}"
            raise RuleError({f"{item_path}.type": message if kind else f"choose a type: {known}"})
        cls = CONDITIONS[kind]
        children.append(cls(cls.clean(item, item_path), item_path))
    return Group(match=match, children=children, path=path)


def rule_normalise(raw: Any) -> dict[str, Any]:
    """The rule as stored: checked, with each condition's values in their clean form."""

    def dump(group: Group) -> dict[str, Any]:
        return {
            "match": group.match,
            "conditions": [
                dump(c) if isinstance(c, Group) else {"type": c.type, **c.values}
                for c in group.children
            ],
        }

    return dump(parse_rule(raw))


def rule_q(raw: Any, ctx: EvalContext | None = None) -> Q:
    """The rule as a Q over contacts (``RuleError`` if it cannot be evaluated)."""
    return parse_rule(raw).q(ctx or EvalContext())


def matching_contacts(raw: Any, ctx: EvalContext | None = None) -> QuerySet[Contact]:
    return Contact.objects.filter(rule_q(raw, ctx)).order_by()


def as_flag(q: Q) -> Any:
    """A Q as a boolean column (NULL counts as no, as it does in WHERE)."""
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def catalogue() -> list[dict[str, Any]]:
    """Every condition type with its parameters, for the rule builder."""
    return [cls.spec() for cls in CONDITIONS.values()]


def rule_describe(raw: Any) -> list[tuple[int, str]]:
    """The rule in words, one (depth, line) per group and condition."""
    group = parse_rule(raw)
    names: dict[tuple[str, int], str] = {}
    for kind, reference in REFERENCES.items():
        names.update({(kind, pk): n for pk, n in reference.records().values_list("pk", "name")})
    lines: list[tuple[int, str]] = []

    def walk(g: Group, depth: int) -> None:
        lines.append((depth, "All of these:" if g.match == "all" else "Any of these:"))
        for child in g.children:
            if isinstance(child, Group):
                walk(child, depth + 1)
            else:
                lines.append((depth + 1, child.describe(names)))

    walk(group, 0)
    return lines
