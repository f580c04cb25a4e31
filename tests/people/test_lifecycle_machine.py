"""The stage machine under any sequence of moves, company entry rules, and the history report."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.errors import InvalidInput
from tandem.handoff import selectors
from tandem.handoff import services as handoff
from tandem.people import services
from tandem.people.lifecycle import BACKWARD, FORWARD_ORDER, PRE_CUSTOMER, Stage, move_problem
from tandem.people.models import LifecycleMove
from tests.factories import ContactFactory

MOVES = st.lists(
    st.tuples(st.sampled_from(Stage.values), st.sampled_from(["", "a reason"])),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=MOVES)
def test_any_sequence_of_moves_keeps_the_machine_and_its_history_true(db, moves):
    contact = ContactFactory()
    history = [contact.lifecycle_stage]
    for to_stage, reason in moves:
        before = contact.lifecycle_stage
        expected_problem = move_problem(before, to_stage, reason, rules={})
        try:
            services.lifecycle_move(contact=contact, to_stage=to_stage, reason=reason)
        except InvalidInput as refused:
            # refused exactly when the machine says so, naming the stage and the rule
            assert expected_problem is not None
            assert refused.errors == {"to_stage": expected_problem}
            assert contact.lifecycle_stage == before
            continue
        assert expected_problem is None
        history.append(to_stage)
        # backward only to recycled/disqualified, with a reason, never from a customer
        if to_stage in BACKWARD:
            assert reason and before in PRE_CUSTOMER | {Stage.RECYCLED}
        elif before not in BACKWARD:
            assert FORWARD_ORDER.index(to_stage) > FORWARD_ORDER.index(before)
        if before == Stage.DISQUALIFIED:
            assert reason
    recorded = list(contact.lifecycle_moves.order_by("id").values_list("from_stage", "to_stage"))
    assert recorded == list(zip(history, history[1:], strict=False))
    contact.refresh_from_db()
    assert contact.lifecycle_stage == history[-1]


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "reason", "rule"),
    [
        pytest.param("mql", "lead", "", "forward only", id="backward"),
        pytest.param("mql", "recycled", " ", "backward moves need a reason", id="no-reason"),
        pytest.param("customer", "disqualified", "x", "customers stay customers", id="customer"),
    ],
)
def test_a_refused_move_names_the_rule(from_stage, to_stage, reason, rule):
    assert f"rule '{rule}'" in move_problem(from_stage, to_stage, reason, rules={})


def test_company_entry_rules_switch_stages_off_and_demand_reasons(cast):
    handoff.stage_rule_save(actor=cast.admin, stage="sql", is_enabled=False)
    handoff.stage_rule_save(actor=cast.admin, stage="sal", requires_reason=True)
    handoff.stage_rule_save(actor=cast.admin, stage="opportunity", allowed_from=["sal"])
    contact = ContactFactory(lifecycle_stage=Stage.MQL)

    with pytest.raises(InvalidInput) as switched_off:
        services.lifecycle_move(contact=contact, to_stage="sql")
    with pytest.raises(InvalidInput) as no_reason:
        services.lifecycle_move(contact=contact, to_stage="sal")
    with pytest.raises(InvalidInput) as wrong_door:
        services.lifecycle_move(contact=contact, to_stage="opportunity")
    services.lifecycle_move(contact=contact, to_stage="sal", reason="call booked")
    services.lifecycle_move(contact=contact, to_stage="opportunity")

    assert switched_off.value.errors["to_stage"].startswith("rule 'stage switched off'")
    assert no_reason.value.errors["to_stage"].startswith("rule 'reason to enter'")
    assert wrong_door.value.errors["to_stage"] == (
        "rule 'entered from': opportunity may only be entered from sales-accepted lead"
    )
    assert contact.lifecycle_stage == Stage.OPPORTUNITY


def test_only_admins_set_entry_rules_and_the_relay_keeps_its_stages(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        handoff.stage_rule_save(actor=cast.marketing_manager, stage="sql", is_enabled=False)
    with pytest.raises(InvalidInput) as refused:
        handoff.stage_rule_save(actor=cast.admin, stage="mql", is_enabled=False)
    assert list(refused.value.errors) == ["is_enabled"]


def test_recycling_by_hand_needs_a_reason_and_sets_a_nurture_date(cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)

    with pytest.raises(InvalidInput):
        handoff.contact_recycle(actor=cast.marketer, contact=contact, reason="")
    handoff.contact_recycle(
        actor=cast.marketer, contact=contact, reason="budget in Q3", nurture_until="2099-07-01"
    )

    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("recycled", dt.date(2099, 7, 1))
    assert contact.segment_memberships.get().segment.name == "Nurture (recycled leads)"


def _moves(contact, *steps):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    stage = contact.lifecycle_stage
    for days, to_stage in steps:
        LifecycleMove.objects.create(
            contact=contact, from_stage=stage, to_stage=to_stage,
            moved_at=start + dt.timedelta(days=days), reason="r",
        )  # fmt: skip
        stage = to_stage


def test_time_in_stage_and_conversion_come_from_the_history(db):
    _moves(ContactFactory(), (0, "lead"), (2, "mql"), (3, "sal"), (13, "opportunity"))
    _moves(ContactFactory(), (0, "lead"), (4, "mql"), (5, "recycled"))
    _moves(ContactFactory(), (1, "lead"))

    report = {
        row.stage: row
        for row in selectors.lifecycle_report(
            since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            until=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        )
    }

    lead, mql = report["lead"], report["mql"]
    assert (lead.entered, lead.left, lead.average_days) == (3, 2, 3.0)  # (2 + 4) / 2
    assert (lead.converted, lead.conversion) == (2, 2 / 3)
    assert (mql.entered, mql.average_days, mql.converted, mql.conversion) == (2, 1.0, 1, 0.5)
    assert report["sal"].average_days == 10.0
    assert report["opportunity"].left == 0
