"""The odds the demo's stories are drawn with: weighted choices, rates and the labels they print.

Plain data, tuned so the dashboards' numbers look like a real company's.
"""

from __future__ import annotations

from collections.abc import Sequence

from tandem.demo import catalog
from tandem.handoff import scoring
from tandem.handoff.models import RejectionReason
from tandem.people.models import Channel, TouchKind
from tandem.sales.models import LostReason

WINDOW = int(scoring.ENGAGEMENT_WINDOW.total_seconds())
DEFAULT_SCORING = scoring.default_profile()
# Marketing leaves a recycled contact alone for one scoring window, so old engagement has
# decayed before they can qualify again (the relay would otherwise hand them straight back).
NURTURE_PAUSE = WINDOW
# Repeat purchases (see ``DealStory._customer``): the rate of opening a repeat deal, per day, is
# gamma(shape, scale), one a month on average; the chance of dropping out after each repeat
# purchase is beta(a, b), between a quarter and a third on average. A repeat deal is a
# reorder from a known customer: most are won, within days. (With ~200 customers on 18
# months these give histories from which BG/NBD's four parameters can be fitted.)
REPEAT_RATE_SHAPE, REPEAT_RATE_SCALE = 1.5, 1 / 45
DROPOUT_A, DROPOUT_B = 1.0, 2.5
REPEAT_WIN_CHANCE = 0.9
REPEAT_WON_DAYS, REPEAT_LOST_DAYS = (2.0, 20.0, 6.0), (2.0, 15.0, 5.0)

KIND_LABEL = {k.value: k.label for k in TouchKind}
LOST_LABEL = {r.value: r.label for r in LostReason}
REJECTION_LABEL = {r.value: r.label for r in RejectionReason}
SIZE_BANDS = (("1-9", 10), ("10-49", 30), ("50-249", 33), ("250-999", 18), ("1000+", 9))
CONTACTS_PER_ACCOUNT = {
    "1-9": (1, 2, 1),
    "10-49": (1, 4, 1),
    "50-249": (1, 7, 2),
    "250-999": (2, 14, 3),
    "1000+": (3, 28, 6),
}
REJECTIONS = (
    ("not_ready", 34),
    ("no_budget", 22),
    ("wrong_person", 16),
    ("bad_fit", 16),
    ("duplicate", 6),
    ("spam", 2),
)
LOST_REASONS = (
    ("price", 26),
    ("competitor", 24),
    ("no_decision", 24),
    ("timing", 16),
    ("fit", 7),
    ("other", 3),
)


def _weighted(pairs: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    """Values and cumulative weights, for ``rng.choices(values, cum_weights=...)``."""
    values, cumulative, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


TITLES = _weighted(catalog.TITLES)
SIZES = _weighted(SIZE_BANDS)
REJECTION_CHOICE = _weighted(REJECTIONS)
LOST_CHOICE = _weighted(LOST_REASONS)
FORM_FOR_CHANNEL: dict[str, str] = {
    Channel.WEBINAR: "webinar",
    Channel.CONTENT: "ebook",
    Channel.SEARCH: "demo",
    Channel.PAID_SOCIAL: "ebook",
    Channel.PARTNER: "demo",
    Channel.PR: "contact",
}
