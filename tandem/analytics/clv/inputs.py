"""The typed input and result of a repeat-sales (lifetime value) run."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tandem.analytics.base import Params, Result


class CLVInput(Params):
    """How to read the purchases and how far to look ahead."""

    observed_until: datetime | None = Field(
        default=None,
        description="End of the observation; purchases after it are left out. "
        "Default: the day of the last purchase.",
    )
    time_unit_days: float = Field(
        default=7.0, gt=0, description="Length of the model's time unit (7 = weeks)."
    )
    horizon_periods: int = Field(default=12, ge=1, description="Periods of lifetime value.")
    period_days: float = Field(default=30.0, gt=0, description="Length of one period (a month).")
    discount_rate: float = Field(
        default=0.01, ge=0, lt=1, description="Discount rate per period for lifetime value."
    )
    fit_spend: bool = Field(default=True, description="Also fit the Gamma-Gamma spend model.")


class BgNbdParameters(BaseModel):
    """Fitted BG/NBD parameters (time in the run's time unit)."""

    model_config = ConfigDict(frozen=True)

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    iterations: int


class GammaGammaParameters(BaseModel):
    """Fitted Gamma-Gamma parameters (money in the purchases' currency)."""

    model_config = ConfigDict(frozen=True)

    p: float
    q: float
    gamma: float
    log_likelihood: float
    iterations: int
    customers: int


class CLVResult(Result):
    """Both fits and what they say about the whole customer base."""

    customers: int
    repeat_customers: int
    observed_until: datetime
    purchase_model: BgNbdParameters
    spend_model: GammaGammaParameters | None
    expected_purchases: float = Field(
        description="Purchases expected from all customers over the horizon."
    )
    mean_p_alive: float = Field(description="Average probability that a customer is alive.")
    expected_value: float | None = Field(
        description="Discounted value expected from all customers over the horizon."
    )
