"""Set-up, by managers on both sides: ICP, stage and routing rules, the scoring settings and
touch weights, the service levels."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from tandem.access import policies
from tandem.access import selectors as access_selectors
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.fields.tasks import custom_field_filtered
from tandem.handoff import icp_rules, routing, scoring
from tandem.handoff.models import IcpRule, RoutingRule, ScoringProfile, ServiceLevel, TouchWeight
from tandem.handoff.schemas import (
    LEVEL_SETTINGS,
    PROFILE_SETTINGS,
    WEIGHT_SETTINGS,
    RoutingRuleIn,
    Setting,
    SettingField,
)
from tandem.people.lifecycle import ESSENTIAL, Stage
from tandem.people.models import StageRule, TouchKind
from tandem.segments import selectors as segments_selectors


def icp_rule_save(
    *,
    actor: Any,
    kind: str,
    field: str,
    values: list[str],
    points: Any,
    label: str,
    position: int = 0,
    rule: Any = None,
    via: str = "ui",
) -> Any:
    """Create (or change) an ICP rule; a rule naming a field its type does not read, an
    unknown type, or values that cannot match are refused before anything is saved."""

    policies.require(actor, "change" if rule else "create", "handoff_setup")
    values = (
        [v.strip() for v in values if isinstance(v, str)] if isinstance(values, list) else values
    )
    problems = icp_rules.rule_problem(kind=kind, field=field, values=values)
    try:
        points = int(points)
    except (TypeError, ValueError):
        problems["points"] = "give a whole number of points (negative to subtract)"
    if not str(label).strip():
        problems["label"] = "name the rule as the lead page should show it"
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        target = rule or IcpRule()
        before = audit.snapshot(target) if rule else {}
        target.kind, target.field, target.values = kind, field, values
        target.points, target.label, target.position = points, str(label).strip()[:200], position
        target.save()
        if rule:
            audit.record_updated(actor=actor, obj=target, before=before, via=via)
        else:
            audit.record_created(actor=actor, obj=target, via=via)
        # A rule on a custom field filters every contact or account by it: index it.
        custom = icp_rules.custom_field_of(field)
        if custom is not None:
            custom_field_filtered(custom)
    return target


def stage_rule_save(
    *,
    actor: Any,
    stage: str,
    is_enabled: bool = True,
    requires_reason: bool = False,
    allowed_from: list[str] | None = None,
    via: str = "ui",
) -> Any:
    """Set the company's entry rule for a lifecycle stage (admins only)."""

    exists = StageRule.objects.filter(stage=stage).exists()
    policies.require(actor, "change" if exists else "create", "lifecycle_setup")
    if stage not in Stage.values:
        raise InvalidInput.field("stage", f"'{stage}' is not a lifecycle stage")
    if not is_enabled and stage in ESSENTIAL:
        raise InvalidInput.field(
            "is_enabled", f"the relay needs the {Stage(stage).label.lower()} stage"
        )
    allowed = list(allowed_from or [])
    unknown = [s for s in allowed if s not in Stage.values]
    if unknown:
        raise InvalidInput.field("allowed_from", f"'{unknown[0]}' is not a lifecycle stage")
    with transaction.atomic():
        rule, created = StageRule.objects.get_or_create(stage=stage)
        before = audit.snapshot(rule)
        rule.is_enabled, rule.requires_reason, rule.allowed_from = (
            is_enabled,
            requires_reason,
            allowed,
        )
        rule.save()
        if created:
            audit.record_created(actor=actor, obj=rule, via=via)
        else:
            audit.record_updated(actor=actor, obj=rule, before=before, via=via)
    return rule


def routing_rule_save(
    *,
    actor: Any,
    name: str,
    team: Any,
    field: str = "",
    values: list[str] | None = None,
    segment: Any = None,
    position: int = 0,
    via: str = "ui",
) -> Any:
    """Add a territory rule (an account field's values → a team) or a segment rule."""

    policies.require(actor, "create", "handoff_setup")
    values = [v.strip() for v in (values or []) if v.strip()]
    if not name.strip():
        raise InvalidInput.field("name", "name the rule")
    if team is None:
        raise InvalidInput.field("team", "choose the team that takes these leads")
    if segment is None:
        if field not in routing.ROUTING_FIELDS:
            raise InvalidInput.field(
                "field", f"unknown field {field!r}; use {', '.join(routing.ROUTING_FIELDS)}"
            )
        if not values:
            raise InvalidInput.field("values", "give at least one value to match")
    rule = RoutingRule.objects.create(
        name=name.strip()[:120],
        team=team,
        field="" if segment else field,
        values=values,
        segment=segment,
        position=position,
    )
    audit.record_created(actor=actor, obj=rule, via=via)
    return rule


def routing_rule_add(*, actor: Any, rule: RoutingRuleIn, via: str = "ui") -> RoutingRule:
    """Add a routing rule given by id (the set-up page's form, the API): a team or segment id
    that names nothing is refused naming the field; no team picked (``team_id`` 0) is refused
    by ``routing_rule_save`` as on the page."""
    policies.require(actor, "create", "handoff_setup")
    team = access_selectors.team_find(team_id=rule.team_id)
    if rule.team_id and team is None:
        raise InvalidInput.field("team_id", f"no team {rule.team_id}")
    segment = None
    if rule.segment_id is not None:
        segment = segments_selectors.segment_find(segment_id=rule.segment_id)
        if segment is None:
            raise InvalidInput.field("segment_id", f"no segment {rule.segment_id}")
    return routing_rule_save(
        actor=actor,
        name=rule.name,
        team=team,
        field=rule.field,
        values=rule.values,
        segment=segment,
        position=rule.position,
        via=via,
    )


def _rule_delete(*, actor: Any, rule: Any, resource: str, via: str) -> None:
    """Delete a set-up rule the actor may delete under ``resource``, with its audit entry."""
    policies.require(actor, "delete", resource)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=rule, via=via)
        rule.delete()


def routing_rule_delete(*, actor: Any, rule: Any, via: str = "ui") -> None:
    """Drop a territory or segment rule: its leads go to the next rule or the round robin."""
    _rule_delete(actor=actor, rule=rule, resource="handoff_setup", via=via)


def stage_rule_delete(*, actor: Any, rule: Any, via: str = "ui") -> None:
    """Drop a stage's entry rule: the stage follows the default machine again."""
    _rule_delete(actor=actor, rule=rule, resource="lifecycle_setup", via=via)


def icp_rule_delete(*, actor: Any, rule: Any, via: str = "ui") -> None:
    """Delete an ICP rule (when none are left, the default rules apply again)."""
    _rule_delete(actor=actor, rule=rule, resource="handoff_setup", via=via)


# --- Set-up: the scoring profile, touch weights and service levels --------------------------

# Touch weights are checked per kind: points and daily cap.
_POINTS, _CAP = WEIGHT_SETTINGS["points"].setting, WEIGHT_SETTINGS["daily_cap"].setting


def _number(value: Any, kind: type, setting: Setting) -> tuple[Any, str]:
    """``value`` (a form's text or a JSON number) as ``kind`` within the setting's range, or
    why not (the sentence the set-up page shows for a value it cannot read, too)."""
    if isinstance(value, bool):
        value = None
    text = str(value).replace(",", "").replace(" ", "").strip() if value is not None else ""
    try:
        if kind is int:
            number: Any = int(text)
        elif kind is Decimal:
            number = Decimal(text).quantize(Decimal("0.01"))
            if not number.is_finite():
                raise InvalidOperation
        else:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError
    except (ValueError, InvalidOperation):
        return None, setting.refusal(kind)
    if not setting.low <= number <= setting.high:
        return None, setting.refusal(kind)
    return number, ""


def _parse(
    fields: dict[str, Any], allowed: dict[str, SettingField], problems: dict[str, str]
) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in allowed:
            problems[name] = "not a setting that can be changed here"
            continue
        known = allowed[name]
        number, problem = _number(value, known.kind, known.setting)
        if problem:
            problems[name] = problem
        else:
            parsed[name] = number
    return parsed


def _profile_problems(merged: dict[str, Any], problems: dict[str, str]) -> None:
    half_life, window = merged["half_life_days"], merged["window_days"]
    if "window_days" not in problems and "half_life_days" not in problems and window < half_life:
        problems["window_days"] = (
            f"count at least one half-life back ({half_life:g} days): older touches would "
            "never have decayed"
        )
    for names, what in (
        (("fit_a", "fit_b", "fit_c"), "fit"),
        (("engagement_1", "engagement_2", "engagement_3"), "engagement"),
    ):
        for higher, lower in itertools.pairwise(names):
            if higher in problems or lower in problems:
                continue
            if merged[lower] >= merged[higher]:
                problems[lower] = (
                    f"must be below the {what} cut-off above it ({merged[higher]}): "
                    "cut-offs go down from the best grade"
                )


def _weight_changes(weights: Any, problems: dict[str, str]) -> dict[str, tuple[int, int]]:
    """``{kind: {"points": …, "daily_cap": …}}`` checked: known kinds, sensible numbers."""
    parsed: dict[str, tuple[int, int]] = {}
    if not isinstance(weights, dict):
        problems["weights"] = "give points and a daily cap for each kind of touch"
        return parsed
    for kind, weight in weights.items():
        if kind not in TouchKind.values:
            problems[f"weights.{kind}"] = (
                f"unknown kind of touch {kind!r}; use {', '.join(TouchKind.values)}"
            )
            continue
        weight = weight if isinstance(weight, dict) else {}
        points, points_problem = _number(weight.get("points"), int, _POINTS)
        cap, cap_problem = _number(weight.get("daily_cap"), int, _CAP)
        if points_problem:
            problems[f"weights.{kind}.points"] = points_problem
        if cap_problem:
            problems[f"weights.{kind}.daily_cap"] = cap_problem
        if points_problem or cap_problem:
            continue
        if cap < points:
            problems[f"weights.{kind}.daily_cap"] = (
                f"must be at least one touch's points ({points})"
            )
            continue
        parsed[kind] = (points, cap)
    return parsed


def scoring_save(
    *,
    actor: Any,
    profile: dict[str, Any] | None = None,
    weights: dict[str, dict[str, Any]] | None = None,
    via: str = "ui",
) -> None:
    """Change the scoring profile (only the fields given) and the touch weights (only the kinds
    given) together. Every field is checked first and every bad one named; nothing is saved
    unless all are good. One audit entry per changed row; saved through the ORM, so every
    process scores with the new settings from the next touch on."""

    policies.require(actor, "change", "handoff_setup")
    problems: dict[str, str] = {}
    fields = dict(profile or {})
    # No threshold of its own: the TANDEM_MQL_THRESHOLD setting decides.
    clears_threshold = "mql_threshold" in fields and fields["mql_threshold"] in ("", None)
    if clears_threshold:
        del fields["mql_threshold"]
    parsed = _parse(fields, PROFILE_SETTINGS, problems)
    if clears_threshold:
        parsed["mql_threshold"] = None
    new_weights = _weight_changes(weights, problems) if weights is not None else {}
    with transaction.atomic():
        row = ScoringProfile.objects.select_for_update().first()
        is_new = row is None
        row = row or ScoringProfile()
        current = {name: getattr(row, name) for name in PROFILE_SETTINGS}
        _profile_problems({**current, **parsed}, problems)
        if problems:
            raise InvalidInput(problems)
        changes = {n: [current[n], v] for n, v in parsed.items() if current[n] != v}
        if changes:
            for name, value in parsed.items():
                setattr(row, name, value)
            row.save()
            if is_new:
                audit.record_created(actor=actor, obj=row, via=via)
            else:
                audit.record_changes(actor=actor, obj=row, changes=changes, via=via)
        saved = {w.kind: w for w in TouchWeight.objects.select_for_update()}
        in_force = scoring.default_profile().weights
        for kind, (points, cap) in new_weights.items():
            weight = saved.get(kind)
            if weight is None:
                if in_force.get(kind, (0, 0)) == (points, cap):
                    continue  # the default already says so
                weight = TouchWeight.objects.create(kind=kind, points=points, daily_cap=cap)
                audit.record_created(actor=actor, obj=weight, via=via)
            elif (weight.points, weight.daily_cap) != (points, cap):
                weight_changes = {
                    "points": [weight.points, points],
                    "daily_cap": [weight.daily_cap, cap],
                }
                weight.points, weight.daily_cap = points, cap
                weight.save(update_fields=["points", "daily_cap"])
                audit.record_changes(actor=actor, obj=weight, changes=weight_changes, via=via)


def scoring_profile_save(*, actor: Any, via: str = "ui", **fields: Any) -> None:
    """Change the scoring profile's given fields (threshold, decay, grade cut-offs …)."""
    scoring_save(actor=actor, profile=fields, via=via)


def touch_weights_save(*, actor: Any, weights: dict[str, dict[str, Any]], via: str = "ui") -> None:
    """Change the points and daily cap of the given kinds of touch."""
    scoring_save(actor=actor, weights=weights, via=via)


def service_level_save(*, actor: Any, via: str = "ui", **fields: Any) -> Any:
    """Change the service levels' given fields: both managers agree them. Every field is
    checked first and every bad one named; one audit entry with what changed."""

    policies.require(actor, "change", "handoff_setup")
    problems: dict[str, str] = {}
    parsed = _parse(fields, LEVEL_SETTINGS, problems)
    with transaction.atomic():
        # A fresh row, never the cached one: that one is shared and must not change in place.
        row = ServiceLevel.objects.select_for_update().first()
        is_new = row is None
        row = row or ServiceLevel()
        current = {name: getattr(row, name) for name in LEVEL_SETTINGS}
        merged = {**current, **parsed}
        start, end = merged["workday_start_hour"], merged["workday_end_hour"]
        if not {"workday_start_hour", "workday_end_hour"} & problems.keys() and end <= start:
            problems["workday_end_hour"] = f"must be after the working day starts ({start}:00)"
        first_touch_minutes = merged["first_touch_hours"] * 60
        if (
            not {"warn_before_minutes", "first_touch_hours"} & problems.keys()
            and merged["warn_before_minutes"] >= first_touch_minutes
        ):
            problems["warn_before_minutes"] = (
                f"must be less than the first-touch time ({first_touch_minutes} minutes)"
            )
        if problems:
            raise InvalidInput(problems)
        changes = {n: [current[n], v] for n, v in parsed.items() if current[n] != v}
        if changes:
            for name, value in parsed.items():
                setattr(row, name, value)
            row.save()
            if is_new:
                audit.record_created(actor=actor, obj=row, via=via)
            else:
                audit.record_changes(actor=actor, obj=row, changes=changes, via=via)
    return row
