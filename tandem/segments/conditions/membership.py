"""Membership of another segment: a dynamic one expanded to its rule, a static list's members."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from tandem.errors import InvalidInput
from tandem.people.hooks import INPUTS
from tandem.segments.conditions.base import (
    Condition,
    EvalContext,
    Param,
    Reference,
    condition,
    input_static_list,
    reference_register,
)
from tandem.segments.conditions.params import choice_clean, param_error, record_clean
from tandem.segments.conditions.rules import parse_rule
from tandem.segments.models import Segment, SegmentMember

reference_register(Reference("segment", "segment", Segment.objects.all))

MEMBER_OPS = [("in", "is in"), ("not_in", "is not in")]


@condition
class SegmentMembership(Condition):
    """In (or not in) another segment. A dynamic segment is expanded to its own rule, so the
    answer is always what that rule says now; a static list is read from its members."""

    type = "segment"
    label = "Segment membership"
    group = "Segment"
    params = [
        Param("op", "Operator", "choice", MEMBER_OPS),
        Param("segment", "Segment", "segment"),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        return {
            "op": choice_clean(raw, path, "op", MEMBER_OPS),
            "segment": record_clean(raw, path, "segment", "segment"),
        }

    def segment_refs(self) -> set[int]:
        return {self.values["segment"]}

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        target_id = self.values["segment"]
        target = Segment.objects.filter(pk=target_id).only("kind", "rule").first()
        if target is None or target_id in expanding:
            return INPUTS  # cannot be evaluated anyway; never skipped by mistake
        if target.kind == Segment.Kind.STATIC:
            return frozenset({input_static_list(target_id)})
        try:
            return parse_rule(target.rule).inputs((*expanding, target_id))
        except InvalidInput:
            return INPUTS

    def q(self, ctx: EvalContext) -> Q:
        target_id = self.values["segment"]
        if target_id in ctx.expanding:
            raise param_error(
                self.path, "segment", "segments may not include each other in a circle"
            )
        target = Segment.objects.filter(pk=target_id).only("kind", "rule", "name").first()
        if target is None:
            raise param_error(self.path, "segment", f"segment {target_id} no longer exists")
        if target.kind == Segment.Kind.STATIC:
            members = SegmentMember.objects.filter(segment_id=target_id)
            if ctx.contact_ids is not None:
                q = Q(Exists(members.filter(contact_id=OuterRef("pk"))))
            else:
                q = Q(pk__in=members.values("contact_id"))
        else:
            inner = EvalContext(
                now=ctx.now, contact_ids=ctx.contact_ids, expanding=(*ctx.expanding, target_id)
            )
            try:
                q = parse_rule(target.rule).q(inner)
            except InvalidInput as exc:
                message = "; ".join(exc.errors.values())
                raise param_error(
                    self.path, "segment", f"segment “{target.name}” cannot be evaluated: {message}"
                ) from None
        return q if self.values["op"] == "in" else ~q

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        return (
            f"{dict(MEMBER_OPS)[self.values['op']].capitalize()} segment #{self.values['segment']}"
        )
