"""The hand-off's settings inputs, each defined once: the set-up page, the API and the
services read the same model.

A field's type is what the API accepts; its ``Setting`` (kept out of the JSON schema) is the
range the service checks and the label and hint the set-up page shows. The service checks
the values itself, not through pydantic, so a form's text (``"1,200"``, ``""``) and a JSON
number are refused with the same sentence naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import NoneType, UnionType
from typing import Annotated, Union, get_args, get_origin

from pydantic import BaseModel, Field

from tandem.core.typed_input import COMMA_SEPARATED, GroupedDigits


@dataclass(frozen=True)
class Setting(GroupedDigits):
    """One setting's range (smallest, largest) and how the set-up page shows it; typed on the
    page, its digits may be grouped ("1,200")."""

    low: float
    high: float
    label: str = ""
    hint: str = ""

    def refusal(self, kind: type) -> str:
        """The one sentence for a value of ``kind`` that is not a number in range."""
        what = {int: "a whole number", Decimal: "an amount", float: "a number"}[kind]
        shown_high = f"{self.high:,.0f}" if kind is not float else f"{self.high:g}"
        return f"give {what} from {self.low:g} to {shown_high}"


@dataclass(frozen=True)
class SettingField:
    """A setting as the service checks it and the page shows it."""

    name: str
    kind: type
    setting: Setting


def setting_fields(model: type[BaseModel]) -> dict[str, SettingField]:
    """The fields of ``model`` that carry a ``Setting``, in the model's order."""
    found: dict[str, SettingField] = {}
    for name, info in model.model_fields.items():
        setting = next((m for m in info.metadata if isinstance(m, Setting)), None)
        if setting is not None:
            found[name] = SettingField(name, _value_type(info.annotation), setting)
    return found


def _value_type(annotation: object) -> type:
    """``int`` for ``int | None``: the kind of number a setting holds."""
    if get_origin(annotation) in (Union, UnionType):
        kinds = [a for a in get_args(annotation) if a is not NoneType]
        annotation = kinds[0]
    assert isinstance(annotation, type)
    return annotation


class ScoringProfileIn(BaseModel):
    """The scoring profile's settings; a field left out keeps its value."""

    mql_threshold: Annotated[
        int | None, Setting(1, 1000, "MQL threshold (points)", "empty: the company default")
    ] = None
    half_life_days: Annotated[
        float | None, Setting(0, 365, "Engagement half-life (days)", "0: points never fade")
    ] = None
    window_days: Annotated[
        int | None, Setting(1, 730, "Engagement window (days)", "older touches count nil")
    ] = None
    fit_a: Annotated[int | None, Setting(0, 1000, "Fit A from (points)")] = None
    fit_b: Annotated[int | None, Setting(0, 1000, "Fit B from (points)")] = None
    fit_c: Annotated[int | None, Setting(0, 1000, "Fit C from (points)")] = None
    engagement_1: Annotated[int | None, Setting(0, 1000, "Engagement 1 from (points)")] = None
    engagement_2: Annotated[int | None, Setting(0, 1000, "Engagement 2 from (points)")] = None
    engagement_3: Annotated[int | None, Setting(0, 1000, "Engagement 3 from (points)")] = None
    predictive_min_leads: Annotated[
        int | None, Setting(10, 1_000_000, "Predictive score needs (labelled leads)")
    ] = None


class TouchWeightIn(BaseModel):
    kind: str
    points: Annotated[int, Setting(0, 1000, "Points")]
    daily_cap: Annotated[int, Setting(0, 10_000, "Daily cap")]


class ScoringIn(ScoringProfileIn):
    """The scoring settings to change; a field left out keeps its value. ``mql_threshold``
    null: the company default. ``weights``: only the kinds listed change."""

    weights: list[TouchWeightIn] | None = None


class ServiceLevelSettingsIn(BaseModel):
    """The service levels to change; a field left out keeps its value."""

    first_touch_hours: Annotated[
        int | None, Setting(1, 120, "First touch within (working hours)")
    ] = None
    warn_before_minutes: Annotated[
        int | None, Setting(0, 7200, "Warn the rep before (minutes)")
    ] = None
    workday_start_hour: Annotated[
        int | None, Setting(0, 22, "Working day starts (hour, 0–22)", "Monday to Friday")
    ] = None
    workday_end_hour: Annotated[int | None, Setting(1, 23, "Working day ends (hour, 1–23)")] = None
    follow_up_attempts: Annotated[int | None, Setting(1, 20, "Follow-up attempts")] = None
    follow_up_days: Annotated[int | None, Setting(1, 90, "Follow-up within (days)")] = None
    quarterly_revenue_goal: Annotated[
        Decimal | None,
        Setting(
            0, 999_999_999_999, "Quarterly revenue goal", "sets marketing's qualified leads owed"
        ),
    ] = None
    minimum_acceptance_rate: Annotated[
        float | None, Setting(0, 1, "Minimum acceptance rate (0–1)", "0.6 is 60 %")
    ] = None


# A territory rule (an account field's values → a team) or a segment rule. (No docstring:
# the API's schema has no description for it.)
class RoutingRuleIn(BaseModel):
    name: str
    team_id: int
    field: str = ""
    values: Annotated[list[str], COMMA_SEPARATED] = []
    segment_id: int | None = None
    position: int = 0


# An ICP rule: points when a contact or account matches (the set-up page and the API).
class IcpRuleIn(BaseModel):
    kind: str
    field: str
    values: Annotated[list[str], COMMA_SEPARATED] = []
    points: int
    label: str = Field(min_length=1, max_length=200)
    position: int = 0


# A lifecycle stage's entry rule, from the set-up page only (the API has no such input); the
# service checks the stage names.
class StageRuleForm(BaseModel):
    stage: str = ""
    is_enabled: bool = False
    requires_reason: bool = False
    allowed_from: list[str] = []


def setting_refusals(fields: dict[str, SettingField]) -> dict[str, str]:
    """Each setting's sentence for a value that is not a number in range, by field name."""
    return {name: f.setting.refusal(f.kind) for name, f in fields.items()}


PROFILE_SETTINGS = setting_fields(ScoringProfileIn)
LEVEL_SETTINGS = setting_fields(ServiceLevelSettingsIn)
WEIGHT_SETTINGS = setting_fields(TouchWeightIn)
