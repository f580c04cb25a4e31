"""Rule-based attribution: hand-computed credits for every model, and the documented edges."""

from __future__ import annotations

import pytest

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tests.analytics.helpers import journeys

RULE_MODELS = (
    AttributionModel.FIRST_TOUCH,
    AttributionModel.LAST_TOUCH,
    AttributionModel.LINEAR,
    AttributionModel.POSITION_BASED,
    AttributionModel.W_SHAPED,
    AttributionModel.FULL_PATH,
)

# Journey 1 converts for 100: email, search (creates the lead), webinar, email (creates the deal).
# Journey 2 does not convert. Journey 3 converts for 50 on one webinar touch.
PATHS = [
    (["email", ("search", "lead_created"), "webinar", ("email", "deal_created")], True, 100.0),
    (["search", "email"], False, 0.0),
    (["webinar"], True, 50.0),
]


@pytest.mark.parametrize(
    ("model", "conversions", "value"),
    [
        pytest.param(
            AttributionModel.FIRST_TOUCH,
            {"email": 1.0, "search": 0.0, "webinar": 1.0},
            {"email": 100.0, "search": 0.0, "webinar": 50.0},
            id="first-touch",
        ),
        pytest.param(
            AttributionModel.LAST_TOUCH,
            {"email": 1.0, "search": 0.0, "webinar": 1.0},
            {"email": 100.0, "search": 0.0, "webinar": 50.0},
            id="last-touch",
        ),
        # 1/4 to each touch of journey 1; journey 3 all to webinar.
        pytest.param(
            AttributionModel.LINEAR,
            {"email": 0.5, "search": 0.25, "webinar": 1.25},
            {"email": 50.0, "search": 25.0, "webinar": 75.0},
            id="linear",
        ),
        # Journey 1: first and last are both email (0.4 + 0.4), 0.2 split by search and webinar.
        pytest.param(
            AttributionModel.POSITION_BASED,
            {"email": 0.8, "search": 0.1, "webinar": 1.1},
            {"email": 80.0, "search": 10.0, "webinar": 60.0},
            id="position-based",
        ),
        # First (email) 0.3, lead (search) 0.3, deal (email) 0.3, the other touch 0.1.
        pytest.param(
            AttributionModel.W_SHAPED,
            {"email": 0.6, "search": 0.3, "webinar": 1.1},
            {"email": 60.0, "search": 30.0, "webinar": 60.0},
            id="w-shaped",
        ),
        # First 0.225, lead 0.225, deal and last (the same email touch) 0.45, webinar 0.1.
        pytest.param(
            AttributionModel.FULL_PATH,
            {"email": 0.675, "search": 0.225, "webinar": 1.1},
            {"email": 67.5, "search": 22.5, "webinar": 60.0},
            id="full-path",
        ),
    ],
)
def test_rule_model_credits_by_hand(model, conversions, value):
    result = attribution_run(journeys(PATHS), AttributionInput(models=(model,)))

    credits = result.by_model(model)
    assert credits.conversions_by_key() == pytest.approx(conversions, abs=1e-12)
    assert credits.value_by_key() == pytest.approx(value, abs=1e-9)
    assert sum(credits.conversions_by_key().values()) == pytest.approx(result.conversions)
    assert (result.journeys, result.conversions, result.value) == (3, 2, 150.0)


def test_time_decay_halves_credit_per_half_life():
    # Touches one day apart, half-life one day: raw weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7.
    data = journeys([(["a", "b", "c"], True, 70.0)], hours_apart=24)

    result = attribution_run(
        data, AttributionInput(models=(AttributionModel.TIME_DECAY,), half_life_days=1)
    )

    credits = result.by_model(AttributionModel.TIME_DECAY)
    assert credits.conversions_by_key() == pytest.approx({"a": 1 / 7, "b": 2 / 7, "c": 4 / 7})
    assert credits.value_by_key() == pytest.approx({"a": 10.0, "b": 20.0, "c": 40.0})


@pytest.mark.parametrize(
    ("model", "path", "expected"),
    [
        pytest.param(AttributionModel.POSITION_BASED, ["a"], {"a": 1.0}, id="u-one-touch"),
        pytest.param(
            AttributionModel.POSITION_BASED, ["a", "b"], {"a": 0.5, "b": 0.5}, id="u-two-touches"
        ),
        pytest.param(AttributionModel.W_SHAPED, ["a"], {"a": 1.0}, id="w-one-touch"),
        # Lead on the first touch, no deal: 0.3 + 0.3 on a, 0.1 split by b and c, over 0.7.
        pytest.param(
            AttributionModel.W_SHAPED,
            [("a", "lead_created"), "b", "c"],
            {"a": 6 / 7, "b": 1 / 14, "c": 1 / 14},
            id="w-lead-on-first-no-deal",
        ),
        # No milestones but the first: 0.3 on a, 0.1 split by b and c, over 0.4.
        pytest.param(
            AttributionModel.W_SHAPED,
            ["a", "b", "c"],
            {"a": 0.75, "b": 0.125, "c": 0.125},
            id="w-no-lead-no-deal",
        ),
        pytest.param(
            AttributionModel.FULL_PATH,
            ["a", ("b", "lead_created"), "c", ("d", "deal_created"), "e"],
            {"a": 0.225, "b": 0.225, "c": 0.1, "d": 0.225, "e": 0.225},
            id="z-five-touches",
        ),
        # The deal is the last touch: a 0.225, b 0.225, c 0.45, no other touch, over 0.9.
        pytest.param(
            AttributionModel.FULL_PATH,
            ["a", ("b", "lead_created"), ("c", "deal_created")],
            {"a": 0.25, "b": 0.25, "c": 0.5},
            id="z-deal-is-last",
        ),
    ],
)
def test_milestone_rules_rescale_missing_shares(model, path, expected):
    result = attribution_run(journeys([(path, True, 1.0)]), AttributionInput(models=(model,)))

    assert result.by_model(model).conversions_by_key() == pytest.approx(expected, abs=1e-12)


def test_lookback_keeps_touches_near_the_end_only():
    # Touches on days 0, 10 and 20; a 15-day lookback drops the first.
    data = journeys([(["a", "b", "c"], True, 1.0)], hours_apart=240)

    result = attribution_run(
        data, AttributionInput(models=(AttributionModel.FIRST_TOUCH,), lookback_days=15)
    )

    assert result.by_model(AttributionModel.FIRST_TOUCH).conversions_by_key() == {
        "a": 0.0,
        "b": 1.0,
        "c": 0.0,
    }


def test_touches_at_one_instant_order_by_kind_then_channel():
    # All at the same instant: touch (z) before lead (y) before deal (a); so z is first.
    data = journeys(
        [([("a", "deal_created"), ("y", "lead_created"), "z"], True, 1.0)], hours_apart=0
    )

    result = attribution_run(
        data,
        AttributionInput(models=(AttributionModel.FIRST_TOUCH, AttributionModel.LAST_TOUCH)),
    )

    assert result.by_model(AttributionModel.FIRST_TOUCH).conversions_by_key()["z"] == 1.0
    assert result.by_model(AttributionModel.LAST_TOUCH).conversions_by_key()["a"] == 1.0


def test_grouping_by_campaign_names_missing_campaigns():
    data = journeys([(["a", "b"], True, 10.0)])
    data = data.append_column("campaign", [["spring", None]])

    result = attribution_run(
        data, AttributionInput(models=(AttributionModel.LINEAR,), group_by="campaign")
    )

    assert result.by_model(AttributionModel.LINEAR).value_by_key() == {
        "(no campaign)": 5.0,
        "spring": 5.0,
    }


def test_credits_come_largest_first():
    result = attribution_run(journeys(PATHS), AttributionInput(models=RULE_MODELS))

    linear = result.by_model(AttributionModel.LINEAR)
    assert [credit.key for credit in linear.credits] == ["webinar", "email", "search"]
