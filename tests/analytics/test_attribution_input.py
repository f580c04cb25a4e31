"""Bad journeys get clear errors; journeys without conversions get zero credit, never NaN."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest
from pydantic import ValidationError

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tandem.analytics.base import Limits
from tandem.analytics.errors import EmptyInputError, InputError, LimitExceededError
from tests.analytics.helpers import journeys


def test_empty_journeys_are_an_error():
    empty = journeys([]).slice(0, 0)

    with pytest.raises(EmptyInputError, match="no rows"):
        attribution_run(empty)


def test_journeys_without_conversions_give_zero_credit_to_every_model():
    result = attribution_run(journeys([(["a", "b"], False, 0.0), (["b"], False, 0.0)]))

    assert len(result.models) == 9
    for credits in result.models:
        assert sorted(credit.key for credit in credits.credits) == ["a", "b"], credits.model
        for credit in credits.credits:
            assert (credit.conversions, credit.value) == (0.0, 0.0), credits.model
            assert not math.isnan(credit.conversions)
    assert result.conversions == 0


def test_unknown_channels_are_named():
    data = journeys([(["email", "carrier-pigeon"], True, 1.0)])

    with pytest.raises(InputError, match="carrier-pigeon"):
        attribution_run(data, AttributionInput(channels=("email", "webinar")))


def test_negative_values_are_refused():
    data = journeys([(["email"], True, -5.0)])

    with pytest.raises(InputError, match="1 row\\(s\\) with negative value"):
        attribution_run(data)


def test_unknown_touch_kinds_are_refused():
    data = journeys([([("email", "deal_won")], True, 1.0)])

    with pytest.raises(InputError, match="unknown touch kind"):
        attribution_run(data)


def test_missing_columns_are_named():
    data = journeys([(["email"], True, 1.0)]).drop_columns(["converted"])

    with pytest.raises(InputError, match="converted"):
        attribution_run(data)


def test_missing_timestamps_are_refused():
    data = journeys([(["email", "webinar"], True, 1.0)])
    index = data.schema.get_field_index("touched_at")
    data = data.set_column(index, "touched_at", pa.array([None, None], pa.timestamp("us")))

    with pytest.raises(InputError, match="missing touched at"):
        attribution_run(data)


def test_value_and_touch_kind_are_optional():
    data = journeys([(["email", "webinar"], True, 1.0)]).drop_columns(["value", "touch_kind"])

    result = attribution_run(data, AttributionInput(models=(AttributionModel.LINEAR,)))

    assert result.by_model(AttributionModel.LINEAR).conversions_by_key() == {
        "email": 0.5,
        "webinar": 0.5,
    }
    assert result.value == 0.0


def test_a_summary_past_the_limit_stops_the_run():
    data = journeys([(["a", "b", "c"], True, 1.0)])

    with pytest.raises(LimitExceededError, match="key list"):
        attribution_run(data, limits=Limits(max_summary_rows=2))


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"lookback_days": 0}, id="zero-lookback"),
        pytest.param({"half_life_days": -1}, id="negative-half-life"),
        pytest.param({"markov_order": 4}, id="order-four"),
        pytest.param({"models": ("markov", "markov")}, id="repeated-model"),
        pytest.param({"models": ("last_click",)}, id="unknown-model"),
        pytest.param({"group_by": "content"}, id="unknown-key"),
        pytest.param({"lookback": 30}, id="unknown-option"),
    ],
)
def test_bad_parameters_are_refused(options):
    with pytest.raises(ValidationError):
        AttributionInput(**options)
