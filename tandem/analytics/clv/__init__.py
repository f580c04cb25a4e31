"""Repeat sales and lifetime value: BG/NBD for purchases, Gamma-Gamma for spend.

The purchases table has one row per purchase:

============  =========  =================================================
column        type       meaning
============  =========  =================================================
customer_id   any        the customer (a contact or an account)
purchased_at  timestamp  when the purchase happened (days are UTC days)
amount        float      what it was worth; never < 0
============  =========  =================================================

See ``docs/analytics.md`` for the models and their rules.
"""

from tandem.analytics.clv.analysis import CLV, clv_run, lifetime_value
from tandem.analytics.clv.bgnbd import BgNbdFit, RepeatSummary
from tandem.analytics.clv.gamma_gamma import GammaGammaFit, SpendSummary
from tandem.analytics.clv.inputs import (
    BgNbdParameters,
    CLVInput,
    CLVResult,
    GammaGammaParameters,
)

__all__ = [
    "CLV",
    "BgNbdFit",
    "BgNbdParameters",
    "CLVInput",
    "CLVResult",
    "GammaGammaFit",
    "GammaGammaParameters",
    "RepeatSummary",
    "SpendSummary",
    "clv_run",
    "lifetime_value",
]
