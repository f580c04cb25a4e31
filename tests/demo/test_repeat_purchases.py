"""The demo's customers buy again the way lifetime-value models expect: the fit converges."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.analytics.clv import CLVInput, clv_run
from tandem.reports import feeders
from tandem.sales.models import Deal
from tests.demo.conftest import NOW


@pytest.mark.django_db
def test_the_demo_purchases_give_a_converging_lifetime_value_fit(demo):
    # Given the demo company at the size `make run` builds
    demo(contacts=3_000)

    # When its won deals are fitted as purchases, as the lifetime-value report does
    purchases = feeders.purchases(feeders.database()).to_pyarrow()
    fit = clv_run(
        purchases,
        CLVInput(observed_until=NOW.replace(tzinfo=None), time_unit_days=7),
    )

    # Then BG/NBD has fitted parameters: customers buy again, and some stop buying
    model = fit.purchase_model
    assert all(value > 0 for value in (model.r, model.alpha, model.a, model.b))
    # the mean dropout chance after a purchase is believable, neither 0 nor certain
    assert 0.05 < model.a / (model.a + model.b) < 0.6
    assert fit.spend_model is not None
    customers = {row["customer_id"] for row in purchases.to_pylist()}
    repeat = Deal.objects.filter(stage__outcome="won", is_repeat_purchase=True)
    assert len(customers) > 150
    assert repeat.count() > len(customers)  # many buy more than twice
    last_repeat = repeat.order_by("-closed_at").values_list("closed_at", flat=True).first()
    assert last_repeat is not None and NOW - last_repeat < dt.timedelta(days=30)
