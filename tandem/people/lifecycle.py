"""The lifecycle stages of a contact and the moves allowed between them.

The stages (``Stage``) are the choices of the contact's column, so they are defined with the
models; this module is the machine. The machine of ``domain.md`` is the default; each company
may switch stages off, demand a reason to enter a stage, or narrow the stages a stage may be
entered from (``StageRule`` rows, edited by admins). A refused move names the rule that
refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tandem.ops.settings_cache import cached
from tandem.people.models import Stage, StageRule

FORWARD_ORDER = [
    Stage.SUBSCRIBER,
    Stage.LEAD,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    Stage.CUSTOMER,
    Stage.REPEAT_CUSTOMER,
    Stage.ADVOCATE,
]
# Checked on every move; ``Stage.values`` rebuilds its list per call.
STAGE_VALUES = frozenset(Stage.values)
PRE_CUSTOMER = frozenset(FORWARD_ORDER[: FORWARD_ORDER.index(Stage.CUSTOMER)])
QUALIFIED = frozenset({Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY})
BACKWARD = frozenset({Stage.RECYCLED, Stage.DISQUALIFIED})
# Stages the relay itself needs: switching them off would strand contacts mid-relay.
ESSENTIAL = frozenset({Stage.SUBSCRIBER, Stage.LEAD, Stage.MQL, Stage.CUSTOMER, *BACKWARD})


@dataclass(frozen=True)
class EntryRule:
    """A company's entry rule for one stage (the default: enabled, no extra demands)."""

    is_enabled: bool = True
    requires_reason: bool = False
    allowed_from: tuple[str, ...] = ()


def _label(stage: str) -> str:
    return Stage(stage).label.lower()


def stage_rules() -> Mapping[str, EntryRule]:
    """The company's entry rules by stage, from the ``StageRule`` table (missing = default);
    read once per process until a rule changes (``tandem.ops.settings_cache``)."""
    return cached("people.stage_rules", _stage_rules_load)


def _stage_rules_load() -> Mapping[str, EntryRule]:
    return MappingProxyType(
        {
            row.stage: EntryRule(row.is_enabled, row.requires_reason, tuple(row.allowed_from))
            for row in StageRule.objects.all()
        }
    )


def move_problem(
    from_stage: str,
    to_stage: str,
    reason: str,
    rules: Mapping[str, EntryRule] | None = None,
) -> str | None:
    """Why the move is not allowed, naming the rule, or None when it is.

    Forward moves may skip stages (a form can bring in a lead that is already qualified).
    Backward moves — recycling to marketing or disqualifying — need a reason, and a customer
    is never recycled or disqualified: they stay a customer. ``rules`` are the company's entry
    rules (read from the database when not given).
    """
    if to_stage not in STAGE_VALUES:
        return f"'{to_stage}' is not a lifecycle stage"
    if from_stage == to_stage:
        return f"the contact is already {_label(to_stage)}"
    has_reason = bool(reason.strip())
    if to_stage in BACKWARD:
        if from_stage not in PRE_CUSTOMER and from_stage != Stage.RECYCLED:
            return (
                f"rule 'customers stay customers': a {_label(from_stage)} cannot be "
                f"{_label(to_stage)}"
            )
        if not has_reason:
            return (
                "rule 'backward moves need a reason': a reason is required to recycle or "
                "disqualify a contact"
            )
    elif from_stage == Stage.DISQUALIFIED and not has_reason:
        return (
            "rule 'backward moves need a reason': a reason is required to bring back a "
            "disqualified contact"
        )
    elif (
        from_stage not in BACKWARD
        and from_stage in STAGE_VALUES
        and FORWARD_ORDER.index(Stage(to_stage)) < FORWARD_ORDER.index(Stage(from_stage))
    ):
        return (
            f"rule 'forward only': cannot move back from {_label(from_stage)} to "
            f"{_label(to_stage)}; recycle or disqualify with a reason instead"
        )
    rule = (stage_rules() if rules is None else rules).get(to_stage, EntryRule())
    if not rule.is_enabled:
        return f"rule 'stage switched off': this company does not use the {_label(to_stage)} stage"
    if rule.requires_reason and not has_reason:
        return f"rule 'reason to enter': entering {_label(to_stage)} needs a reason"
    if rule.allowed_from and from_stage not in rule.allowed_from:
        names = ", ".join(_label(s) for s in rule.allowed_from if s in STAGE_VALUES)
        return f"rule 'entered from': {_label(to_stage)} may only be entered from {names}"
    return None
