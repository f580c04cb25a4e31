"""The segment rule language: AND/OR groups of registered condition types.

One module per kind of condition; importing the package registers them all, in the order the
rule builder lists them (contact and account fields; audience, stage, score, consent, owner;
behaviour; custom fields; membership of another segment). The apps above segments plug in the
records their conditions name (marketing's forms and campaigns: ``base.reference_register``,
``behaviour.form_submissions_register``).
"""

from __future__ import annotations

from tandem.segments.conditions import behaviour, contact, custom, fields, membership  # noqa: F401
from tandem.segments.conditions.base import (
    CONDITIONS,
    REFERENCES,
    Condition,
    ContactSet,
    EvalContext,
    Param,
    Reference,
    RuleError,
    condition,
    input_static_list,
    reference_register,
)
from tandem.segments.conditions.rules import (
    Group,
    as_flag,
    catalogue,
    matching_contacts,
    parse_rule,
    rule_describe,
    rule_normalise,
    rule_q,
)

__all__ = [
    "CONDITIONS",
    "REFERENCES",
    "Condition",
    "ContactSet",
    "EvalContext",
    "Group",
    "Param",
    "Reference",
    "RuleError",
    "as_flag",
    "catalogue",
    "condition",
    "input_static_list",
    "matching_contacts",
    "parse_rule",
    "reference_register",
    "rule_describe",
    "rule_normalise",
    "rule_q",
]
