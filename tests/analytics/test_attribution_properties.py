"""Properties of every model on random journeys: credit adds up, and is never NaN."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.analytics.attribution import AttributionInput, AttributionModel, attribution_run
from tests.analytics.helpers import journeys

touch = st.tuples(
    st.sampled_from(["email", "search", "webinar", "event"]),
    st.sampled_from(["touch", "touch", "lead_created", "deal_created"]),
)
journey = st.tuples(
    st.lists(touch, min_size=1, max_size=6),
    st.booleans(),
    st.floats(min_value=0, max_value=10_000, allow_nan=False),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paths=st.lists(journey, min_size=1, max_size=12),
    order=st.integers(min_value=1, max_value=3),
    hours_apart=st.sampled_from([0.0, 1.0, 400.0]),
    lookback_days=st.sampled_from([None, 10.0]),
)
def test_every_model_credits_exactly_the_conversions_and_value(
    paths, order, hours_apart, lookback_days
):
    result = attribution_run(
        journeys(paths, hours_apart=hours_apart),
        AttributionInput(markov_order=order, lookback_days=lookback_days),
    )

    conversions = sum(1 for _, converted, _ in paths if converted)
    value = sum(amount for _, converted, amount in paths if converted)
    assert result.conversions == conversions
    assert math.isclose(result.value, value, rel_tol=1e-9, abs_tol=1e-9)
    for credits in result.models:
        given_conversions = sum(credits.conversions_by_key().values())
        given_value = sum(credits.value_by_key().values())
        assert math.isclose(given_conversions, conversions, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(given_value, value, rel_tol=1e-9, abs_tol=1e-6)
        assert all(
            not math.isnan(c.conversions) and not math.isnan(c.value) for c in credits.credits
        )
        if credits.model != AttributionModel.SHAPLEY:  # Shapley may be negative, by design
            assert all(c.conversions >= -1e-12 and c.value >= -1e-9 for c in credits.credits)
