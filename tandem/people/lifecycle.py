"""The lifecycle stages of a contact and the moves allowed between them."""

from __future__ import annotations

from django.db import models


class Stage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing-qualified lead"
    SAL = "sal", "Sales-accepted lead"
    SQL = "sql", "Sales-qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    REPEAT_CUSTOMER = "repeat_customer", "Repeat customer"
    ADVOCATE = "advocate", "Advocate"
    RECYCLED = "recycled", "Recycled"
    DISQUALIFIED = "disqualified", "Disqualified"


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
PRE_CUSTOMER = frozenset(FORWARD_ORDER[: FORWARD_ORDER.index(Stage.CUSTOMER)])
QUALIFIED = frozenset({Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY})


def move_problem(from_stage: str, to_stage: str, reason: str) -> str | None:
    """Why the move is not allowed, or None when it is.

    Forward moves may skip stages (a form can bring in a lead that is already qualified).
    Backward moves — recycling to marketing or disqualifying — need a reason, and a customer
    is never recycled or disqualified: they stay a customer.
    """
    if to_stage not in Stage.values:
        return f"'{to_stage}' is not a lifecycle stage"
    if from_stage == to_stage:
        return f"the contact is already {Stage(to_stage).label.lower()}"
    if to_stage in (Stage.RECYCLED, Stage.DISQUALIFIED):
        if from_stage not in PRE_CUSTOMER and from_stage not in (Stage.RECYCLED,):
            return f"a {Stage(from_stage).label.lower()} cannot be {Stage(to_stage).label.lower()}"
        if not reason.strip():
            return "a reason is required to recycle or disqualify a contact"
        return None
    if from_stage == Stage.RECYCLED:
        return None
    if from_stage == Stage.DISQUALIFIED:
        if not reason.strip():
            return "a reason is required to bring back a disqualified contact"
        return None
    if FORWARD_ORDER.index(Stage(to_stage)) < FORWARD_ORDER.index(Stage(from_stage)):
        return (
            f"cannot move back from {Stage(from_stage).label.lower()} to "
            f"{Stage(to_stage).label.lower()}; recycle or disqualify with a reason instead"
        )
    return None
