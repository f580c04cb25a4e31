"""The ICP fit check on deals: a deal whose account falls outside the ideal-customer profile
(fit letter D) needs a joint review before it can be won.

A C is a weak fit, not outside the profile: flagging it would send most deals to review and
teach both teams to wave reviews through. A deal with no known account is not judged: there
is no company to hold against the profile yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tandem.handoff import icp_rules, scoring
from tandem.sales.fit import FitConcern, fit_check

if TYPE_CHECKING:
    from tandem.sales.models import Deal

POOR_FIT = ("D",)


@fit_check("icp")
def icp_fit(deal: Deal) -> list[FitConcern]:
    """A concern when the deal's account (with its buyer) scores D on fit, saying why."""
    contact = deal.contact
    account = deal.account or (contact.account if contact is not None else None)
    if account is None:
        return []
    profile = scoring.profile()
    if contact is not None:
        lines = scoring.fit_lines(contact, profile)
    else:
        lines = [
            scoring.ScoreLine(rule.points, rule.label)
            for rule in profile.rules
            if rule.is_account_rule
            and rule.kind in icp_rules.RULE_TYPES
            and icp_rules.RULE_TYPES[rule.kind].matches(rule, account)
        ]
    fit = sum(line.points for line in lines)
    letter = scoring.fit_letter(fit, profile.fit_cuts)
    if letter not in POOR_FIT:
        return []
    matched = {line.reason.split(" (")[0] for line in lines}
    missing = [
        rule.label for rule in profile.rules if rule.points > 0 and rule.label not in matched
    ]
    name = account.name if account is not None else str(contact)
    why = f"; it lacks: {', '.join(missing)}" if missing else ""
    return [
        FitConcern(
            code="icp",
            message=f"{name} is a fit {letter} for the ideal-customer profile "
            f"({fit} fit points, A needs {profile.fit_cuts[0]}){why}.",
        )
    ]
