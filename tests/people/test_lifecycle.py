"""Lifecycle moves: forward freely, backward only with a reason, never back from customer."""

import pytest

from tandem.errors import InvalidInput
from tandem.people import services
from tandem.people.lifecycle import Stage, move_problem
from tandem.people.models import LifecycleMove
from tests.factories import ContactFactory


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "reason", "allowed"),
    [
        ("subscriber", "mql", "", True),
        ("mql", "lead", "", False),
        ("mql", "recycled", "", False),
        ("mql", "recycled", "not ready until Q3", True),
        ("opportunity", "disqualified", "competitor", True),
        ("customer", "recycled", "churned", False),
        ("customer", "repeat_customer", "", True),
        ("recycled", "mql", "", True),
        ("disqualified", "lead", "", False),
        ("disqualified", "lead", "new role at a good fit", True),
        ("lead", "lead", "", False),
        ("lead", "nonsense", "", False),
    ],
    ids=lambda v: v if isinstance(v, str) and v else None,
)
def test_allowed_moves(from_stage, to_stage, reason, allowed):
    assert (move_problem(from_stage, to_stage, reason, rules={}) is None) is allowed


def test_a_refused_move_records_nothing(cast):
    contact = ContactFactory(lifecycle_stage=Stage.CUSTOMER)

    with pytest.raises(InvalidInput) as refused:
        services.lifecycle_move_by_user(actor=cast.marketer, contact=contact, to_stage="lead")

    assert "to_stage" in refused.value.errors
    assert not LifecycleMove.objects.exists()


def test_a_move_records_who_when_why(cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)

    move = services.lifecycle_move_by_user(
        actor=cast.marketer, contact=contact, to_stage="recycled", reason="nurture until spring"
    )

    contact.refresh_from_db()
    assert contact.lifecycle_stage == Stage.RECYCLED
    assert (move.from_stage, move.to_stage, move.moved_by, move.reason) == (
        "mql",
        "recycled",
        cast.marketer,
        "nurture until spring",
    )


def test_a_reps_call_keeps_the_campaigns_last_touch_credit(cast, mql):
    from tandem.handoff import services as handoff

    contact = mql.contact
    handoff.touch_log(contact=contact, kind="call", channel="sales", actor=cast.sales_rep)

    contact.refresh_from_db()
    assert contact.last_touch_campaign.name == "Spring webinar"
    assert contact.last_touch_source == "linkedin"
