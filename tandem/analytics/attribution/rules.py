"""Rule-based attribution models: each touch of a converted journey gets a fixed weight.

The weights of one journey sum to 1, so credits sum to the conversions. Each rule is a small
registered object that turns a journey's touch (its ``position`` from 0, the journey's number
of ``touches``, the ``lead_position`` and ``deal_position`` of its first lead-created and
deal-created rows, ``decay`` and ``decay_total``) into an Ibis weight expression.

Milestone rules (position-based, W-shaped, full path) give fixed shares to milestone touches
and spread a rest share evenly over the other touches. Milestones that fall on the same touch
add up; a milestone the journey lacks (no lead-created row), or a rest share with no other
touch to go to, is left out and the remaining shares are scaled back up to 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from tandem.analytics.attribution.inputs import AttributionModel

PositionOf = Callable[[ibis.Table], ir.IntegerValue]


def real(number: float) -> ir.FloatingValue:
    """A float literal that every backend types as a double.

    PostgreSQL reads a bare ``0.5`` as ``numeric``, which then reaches Arrow as a decimal;
    a cast from text survives Ibis (which drops casts to the type it already assumes).
    """
    return ibis.literal(repr(float(number))).cast("float64")


class RuleModel:
    """A rule-based model: a name and the weight of each touch of a converted journey."""

    model: AttributionModel

    @property
    def name(self) -> str:
        return self.model.value

    def weight(self, touches: ibis.Table) -> ir.FloatingValue:
        raise NotImplementedError


@dataclass(frozen=True)
class Milestone:
    """A touch singled out by its place in the journey, with its share of the credit."""

    position: PositionOf
    share: float


@dataclass(frozen=True)
class MilestoneRule(RuleModel):
    """Fixed shares for milestone touches, ``rest_share`` spread over the other touches."""

    model: AttributionModel
    milestones: tuple[Milestone, ...]
    rest_share: float

    def weight(self, touches: ibis.Table) -> ir.FloatingValue:
        position = touches.position
        raw: ir.FloatingValue = real(0.0)
        present_shares: ir.FloatingValue = real(0.0)
        is_milestone: ir.BooleanValue = ibis.literal(False)
        distinct_milestones: ir.IntegerValue = ibis.literal(0)
        seen: list[ir.IntegerValue] = []
        for milestone in self.milestones:
            at = milestone.position(touches)
            hits = (at == position).fill_null(False)
            raw = raw + ibis.ifelse(hits, real(milestone.share), real(0.0))
            present_shares = present_shares + ibis.ifelse(
                at.notnull(), real(milestone.share), real(0.0)
            )
            is_milestone = is_milestone | hits
            is_new = at.notnull()
            for earlier in seen:
                is_new = is_new & (at != earlier).fill_null(True)
            distinct_milestones = distinct_milestones + ibis.ifelse(is_new, 1, 0)
            seen.append(at)
        others = touches.touches - distinct_milestones
        rest = ibis.ifelse(others > 0, real(self.rest_share), real(0.0))
        raw = raw + ibis.ifelse(is_milestone, real(0.0), rest / others.cast("float64"))
        return raw / (present_shares + rest)


@dataclass(frozen=True)
class FirstTouch(RuleModel):
    """All credit to the first touch."""

    model: AttributionModel = AttributionModel.FIRST_TOUCH

    def weight(self, touches: ibis.Table) -> ir.FloatingValue:
        return ibis.ifelse(touches.position == 0, real(1.0), real(0.0))


@dataclass(frozen=True)
class LastTouch(RuleModel):
    """All credit to the last touch."""

    model: AttributionModel = AttributionModel.LAST_TOUCH

    def weight(self, touches: ibis.Table) -> ir.FloatingValue:
        return ibis.ifelse(touches.position == touches.touches - 1, real(1.0), real(0.0))


@dataclass(frozen=True)
class Linear(RuleModel):
    """Equal credit to every touch."""

    model: AttributionModel = AttributionModel.LINEAR

    def weight(self, touches: ibis.Table) -> ir.FloatingValue:
        return real(1.0) / touches.touches.cast("float64")


@dataclass(frozen=True)
class TimeDecay(RuleModel):
    """Credit halves for every half-life a touch lies before the journey's last row."""

    model: AttributionModel = AttributionModel.TIME_DECAY

    def weight(self, touches: ibis.Table) -> ir.FloatingValue:
        return touches.decay / touches.decay_total


def _first(touches: ibis.Table) -> ir.IntegerValue:
    return ibis.literal(0)


def _last(touches: ibis.Table) -> ir.IntegerValue:
    return touches.touches - 1


def _lead(touches: ibis.Table) -> ir.IntegerValue:
    return touches.lead_position


def _deal(touches: ibis.Table) -> ir.IntegerValue:
    return touches.deal_position


RULES: dict[AttributionModel, RuleModel] = {
    rule.model: rule
    for rule in (
        FirstTouch(),
        LastTouch(),
        Linear(),
        TimeDecay(),
        MilestoneRule(
            AttributionModel.POSITION_BASED,
            (Milestone(_first, 0.4), Milestone(_last, 0.4)),
            rest_share=0.2,
        ),
        MilestoneRule(
            AttributionModel.W_SHAPED,
            (Milestone(_first, 0.3), Milestone(_lead, 0.3), Milestone(_deal, 0.3)),
            rest_share=0.1,
        ),
        MilestoneRule(
            AttributionModel.FULL_PATH,
            (
                Milestone(_first, 0.225),
                Milestone(_lead, 0.225),
                Milestone(_deal, 0.225),
                Milestone(_last, 0.225),
            ),
            rest_share=0.1,
        ),
    )
}
