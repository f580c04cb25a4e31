"""Attribution of conversions and revenue to channels or campaigns.

The journeys table has one row per touch:

==============  ===========  ==========================================================
column          type         meaning
==============  ===========  ==========================================================
journey_id      any          the journey (a contact's or an account's path to a deal)
touched_at      timestamp    when the touch happened
channel         string       the channel of the touch (email, webinar, paid_search, …)
campaign        string       optional; the campaign, when grouping by campaign
touch_kind      string       optional; ``touch`` (default), ``lead_created`` or
                             ``deal_created`` — the touch that created the lead or deal
converted       boolean      whether the journey converted (any row true counts)
value           float        optional; the journey's conversion value (the largest
                             value on its rows, counted only when converted); never < 0
==============  ===========  ==========================================================

Touches are ordered by ``touched_at``, then ``touch_kind`` (touch, lead_created,
deal_created), then the grouping key. A lookback window keeps the touches at most
``lookback_days`` before the journey's last row. See ``docs/analytics.md`` for each model.
"""

from tandem.analytics.attribution.analysis import Attribution, attribution_run
from tandem.analytics.attribution.inputs import (
    AttributionInput,
    AttributionModel,
    AttributionResult,
    Credit,
    ModelCredits,
    ShapleyGame,
)

__all__ = [
    "Attribution",
    "AttributionInput",
    "AttributionModel",
    "AttributionResult",
    "Credit",
    "ModelCredits",
    "ShapleyGame",
    "attribution_run",
]
