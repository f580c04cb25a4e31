"""The typed input and result of an attribution run."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tandem.analytics.base import Params, Result


class AttributionModel(StrEnum):
    """The attribution models Tandem computes; each is described in ``docs/analytics.md``."""

    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LINEAR = "linear"
    TIME_DECAY = "time_decay"
    POSITION_BASED = "position_based"
    W_SHAPED = "w_shaped"
    FULL_PATH = "full_path"
    MARKOV = "markov"
    SHAPLEY = "shapley"


class ShapleyGame(StrEnum):
    """How a coalition of channels is worth something in the Shapley model.

    ``subset_sum``: the worth of a set S is the sum of the conversion rates of every observed
    channel set contained in S (Zhao et al. 2018). ``coalition_rate``: the worth of S is the
    conversion rate of the journeys that used only channels in S.
    """

    SUBSET_SUM = "subset_sum"
    COALITION_RATE = "coalition_rate"


class AttributionInput(Params):
    """What to attribute and how: models, grouping key, lookback window and model options."""

    models: tuple[AttributionModel, ...] = Field(
        default=tuple(AttributionModel), min_length=1, description="Models to compute."
    )
    group_by: Literal["channel", "campaign"] = Field(
        default="channel", description="The column credit is given to."
    )
    channels: tuple[str, ...] | None = Field(
        default=None,
        description="The known values of the grouping key; any other value is an error.",
    )
    lookback_days: float | None = Field(
        default=None,
        gt=0,
        description="Only touches at most this many days before the journey's last row count.",
    )
    half_life_days: float = Field(default=7.0, gt=0, description="Half-life of time decay.")
    markov_order: int = Field(default=1, ge=1, le=3, description="Order of the Markov chain.")
    shapley_game: ShapleyGame = ShapleyGame.SUBSET_SUM
    shapley_max_exact_channels: int = Field(
        default=15,
        ge=1,
        le=20,
        description="Up to this many channels Shapley values are exact; beyond, sampled.",
    )
    shapley_samples: int = Field(
        default=20_000, gt=0, description="Sampled channel orders when Shapley is not exact."
    )
    seed: int = Field(default=0, description="Seed of the Shapley sampling.")

    @model_validator(mode="after")
    def _models_are_distinct(self) -> AttributionInput:
        if len(set(self.models)) != len(self.models):
            raise ValueError("each model may be asked for once")
        return self


class Credit(BaseModel):
    """The credit one key (a channel or a campaign) earns under one model."""

    model_config = ConfigDict(frozen=True)

    key: str
    conversions: float
    value: float


class ModelCredits(BaseModel):
    """One model's credits, one row per key seen in the journeys, largest first.

    ``removal_effects`` is set by the Markov model (share of conversions lost when the key is
    removed) and ``shapley_values`` by the Shapley model (the raw value of the game), keyed
    like the credits.
    """

    model_config = ConfigDict(frozen=True)

    model: AttributionModel
    credits: tuple[Credit, ...]
    removal_effects: dict[str, float] | None = None
    shapley_values: dict[str, float] | None = None
    is_exact: bool = True

    def conversions_by_key(self) -> dict[str, float]:
        """Return ``{key: conversions credited}``."""
        return {credit.key: credit.conversions for credit in self.credits}

    def value_by_key(self) -> dict[str, float]:
        """Return ``{key: value credited}``."""
        return {credit.key: credit.value for credit in self.credits}


class AttributionResult(Result):
    """Credits per model, and the totals they add up to."""

    journeys: int
    conversions: int
    value: float
    keys: tuple[str, ...]
    models: tuple[ModelCredits, ...]

    def by_model(self, model: AttributionModel | str) -> ModelCredits:
        """Return the credits of one model."""
        for credits in self.models:
            if credits.model == model:
                return credits
        raise KeyError(f"model {model} was not computed in this run")
