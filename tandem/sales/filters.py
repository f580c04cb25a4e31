"""One filter definition for the deal list page and the ``GET /deals`` API query parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tandem.errors import InvalidInput
from tandem.fields.lists import custom_filter_parse
from tandem.sales.models import NO_NEXT_STEP_KEY, Deal, FitReview, ForecastCategory


class DealFilter(BaseModel):
    """What a deal list can be narrowed by; every field is optional."""

    model_config = ConfigDict(extra="ignore")

    pipeline: int | None = Field(default=None, description="pipeline id")
    owner: int | None = Field(default=None, description="owner (user id)")
    stage: int | None = Field(default=None, description="stage id")
    outcome: str = Field(default="", description="open, won or lost")
    forecast_category: str = Field(default="", description="commit, best_case, pipeline or omitted")
    close_from: dt.date | None = Field(default=None, description="expected close on or after")
    close_to: dt.date | None = Field(default=None, description="expected close on or before")
    flagged: bool = Field(default=False, description="no next step, or its date has passed")
    no_next_step: bool = Field(default=False, description="no next step at all")
    in_review: bool = Field(default=False, description="a fit review is open or declined")
    q: str = Field(default="", description="name contains")
    cf: str = Field(default="", description="a deal custom field's key to filter on")
    cf_op: str = Field(default="", description="the test on it (see fields.filters.OPS_BY_KIND)")
    cf_value: str = Field(default="", description="the value (values comma separated)")
    cf_value_to: str = Field(default="", description="the end of a range (op between)")

    @classmethod
    def from_query(cls, data: Any) -> DealFilter:
        """Parse a query dict (the page's GET); blanks are absent; bad values name the field."""
        raw = {k: v for k, v in data.items() if v not in ("", None)}
        for flag in ("flagged", "no_next_step", "in_review"):
            if flag in raw:
                raw[flag] = raw[flag] in ("1", "on", "true", True)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidInput.field(str(first["loc"][0]), first["msg"]) from None

    def apply(self, qs: QuerySet[Deal], *, today: dt.date | None = None) -> QuerySet[Deal]:
        if self.forecast_category and self.forecast_category not in ForecastCategory.values:
            raise InvalidInput.field(
                "forecast_category", f"choose one of: {', '.join(ForecastCategory.values)}"
            )
        if self.outcome and self.outcome not in ("open", "won", "lost"):
            raise InvalidInput.field("outcome", "choose one of: open, won, lost")
        if self.close_from and self.close_to and self.close_from > self.close_to:
            raise InvalidInput.field("close_to", "must be on or after close_from")
        today = today or timezone.localdate()
        if self.pipeline:
            qs = qs.filter(pipeline_id=self.pipeline)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        if self.stage:
            qs = qs.filter(stage_id=self.stage)
        if self.outcome == "open":
            # The stored flag, not the stage's outcome: the open-deal partial indexes need it.
            qs = qs.filter(still_open=True)
        elif self.outcome:
            qs = qs.filter(stage__outcome=self.outcome)
        if self.forecast_category:
            qs = qs.filter(forecast_category=self.forecast_category)
        if self.close_from:
            qs = qs.filter(expected_close_on__gte=self.close_from)
        if self.close_to:
            qs = qs.filter(expected_close_on__lte=self.close_to)
        if self.no_next_step:
            qs = qs.filter(no_next_step_q())
        if self.flagged:
            qs = qs.filter(flagged_q(today))
        if self.in_review:
            # A subquery rather than a join: no duplicate rows, so no DISTINCT to page over.
            qs = qs.filter(
                pk__in=FitReview.objects.filter(
                    status__in=[FitReview.Status.OPEN, FitReview.Status.DECLINED]
                ).values("deal_id")
            )
        if self.q:
            qs = qs.filter(name__icontains=self.q)
        custom = custom_filter_parse(
            "deal", key=self.cf, op=self.cf_op, value=self.cf_value, value_to=self.cf_value_to
        )
        if custom is not None:
            qs = qs.filter(custom.q())
        return qs


def no_next_step_q() -> Q:
    """No next step, or no date for it (``next_step_key`` is then ``NO_NEXT_STEP_KEY``)."""
    return Q(next_step_key=NO_NEXT_STEP_KEY)


def flagged_q(today: dt.date) -> Q:
    """A deal is flagged when it has no next step, or the step's date has passed.

    One range on ``next_step_key``, as no next step sorts before every date: the open deals'
    ``deal_open_flag`` index answers it.
    """
    return Q(next_step_key__lt=today)
