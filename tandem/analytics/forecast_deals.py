"""The pipeline forecast from typed deals (a notebook's or an API's door onto
:mod:`tandem.analytics.forecast`): closed deals as paths through stages, open deals by age."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from tandem.analytics.base import Params
from tandem.analytics.errors import EmptyInputError
from tandem.analytics.forecast import REQUIRED_COLUMNS, ForecastInput, ForecastResult, forecast_run


class StageVisit(BaseModel):
    """One stage of a closed deal's path and the days it stayed there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str
    days: float = Field(ge=0)


class ClosedDeal(Params):
    """A deal of the history: its path through the stages, its outcome and amount."""

    path: tuple[StageVisit, ...] = Field(min_length=1)
    won: bool
    amount: float = Field(default=0.0, ge=0)


class OpenDeal(Params):
    """An open deal: its stage, amount and the days it has been in that stage."""

    stage: str
    amount: float = Field(ge=0)
    age_days: float = Field(ge=0)


def visits_table(
    open_deals: Sequence[OpenDeal], closed_deals: Sequence[ClosedDeal], as_of: dt.datetime
) -> pa.Table:
    """The stage visits table for typed deals, as of ``as_of``.

    Closed deals are laid out so they close by ``as_of`` (each deal closes when its path
    ends); open deals entered their stage ``age_days`` before ``as_of``.
    """
    rows: dict[str, list] = {name: [] for name in REQUIRED_COLUMNS}

    def add(deal: int, stage: str, entered: dt.datetime, amount: float, outcome: Any, closed: Any):
        for name, value in zip(
            REQUIRED_COLUMNS, (deal, stage, entered, amount, outcome, closed), strict=True
        ):
            rows[name].append(value)

    for number, deal in enumerate(closed_deals):
        length = sum(visit.days for visit in deal.path)
        closed_at = as_of - dt.timedelta(days=1)
        moment = closed_at - dt.timedelta(days=length)
        for visit in deal.path:
            add(number, visit.stage, moment, deal.amount, "won" if deal.won else "lost", closed_at)
            moment += dt.timedelta(days=visit.days)
    for number, open_deal in enumerate(open_deals, start=len(closed_deals)):
        entered = as_of - dt.timedelta(days=open_deal.age_days)
        add(number, open_deal.stage, entered, open_deal.amount, None, None)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("deal_id", pa.int64()),
                ("stage", pa.string()),
                ("entered_at", pa.timestamp("us")),
                ("amount", pa.float64()),
                ("outcome", pa.string()),
                ("closed_at", pa.timestamp("us")),
            ]
        ),
    )


def forecast_deals(
    open_deals: Sequence[OpenDeal],
    closed_deals: Sequence[ClosedDeal],
    params: ForecastInput | None = None,
) -> ForecastResult:
    """Forecast typed open deals from typed closed deals (a notebook's or an API's door)."""
    params = params or ForecastInput()
    as_of = params.as_of or dt.datetime(2000, 1, 1)
    if not open_deals and not closed_deals:
        raise EmptyInputError("there are no deals to forecast from")
    table = visits_table(open_deals, closed_deals, as_of)
    return forecast_run(table, params.model_copy(update={"as_of": as_of}))
