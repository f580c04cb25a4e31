"""The set-up page: scoring settings and touch weights, ICP rules, routing, service levels and
lifecycle entry rules; managers change them here. Each settings form reads the same schema as
the API (``handoff.schemas``) for its fields, labels and hints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.handoff import icp_rules, routing, scoring, selectors, service_levels, services
from tandem.handoff.schemas import (
    LEVEL_SETTINGS,
    PROFILE_SETTINGS,
    WEIGHT_SETTINGS,
    IcpRuleIn,
    RoutingRuleIn,
    ScoringProfileIn,
    ServiceLevelSettingsIn,
    SettingField,
    StageRuleForm,
    TouchWeightIn,
    setting_refusals,
)
from tandem.handoff.views.base import may_see, setup_errors
from tandem.people.lifecycle import Stage
from tandem.people.models import TouchKind

# The service's own sentences, for a form refused before it reaches the service.
ICP_MESSAGES = {
    "points": "give a whole number of points (negative to subtract)",
    "label": "name the rule as the lead page should show it",
}


def _form_rows(
    fields: dict[str, SettingField], current: dict, posted: dict | None, errors: dict
) -> list[dict]:
    rows = []
    for name, field in fields.items():
        value = posted.get(name, "") if posted is not None else current[name]
        rows.append(
            {
                "name": name,
                "label": field.setting.label,
                "hint": field.setting.hint,
                "value": value,
                "error": errors.get(name),
            }
        )
    return rows


def _weight_rows(profile, posted: dict | None, errors: dict) -> list[dict]:
    rows = []
    for kind, label in TouchKind.choices:
        points, cap = profile.weights.get(kind, (0, 0))
        if posted is not None:
            points = posted.get(f"weights.{kind}.points", "")
            cap = posted.get(f"weights.{kind}.daily_cap", "")
        rows.append(
            {
                "kind": kind,
                "label": label,
                "points": points,
                "daily_cap": cap,
                "points_error": errors.get(f"weights.{kind}.points")
                or errors.get(f"weights.{kind}"),
                "cap_error": errors.get(f"weights.{kind}.daily_cap"),
            }
        )
    return rows


def _profile_values(profile: scoring.Profile) -> dict[str, Any]:
    """The scoring profile in force as the form shows it (no threshold: the default's)."""
    return {
        "mql_threshold": "" if profile.is_threshold_default else profile.threshold,
        "half_life_days": f"{profile.half_life_days:g}",
        "window_days": profile.window_days,
        "fit_a": profile.fit_cuts[0],
        "fit_b": profile.fit_cuts[1],
        "fit_c": profile.fit_cuts[2],
        "engagement_1": profile.engagement_cuts[0],
        "engagement_2": profile.engagement_cuts[1],
        "engagement_3": profile.engagement_cuts[2],
        "predictive_min_leads": profile.predictive_min_leads,
    }


@login_required
def setup(request, *, form: str = "", posted: dict | None = None, errors: dict | None = None):
    """The hand-off rules: scoring settings and touch weights, ICP rules, routing, service
    levels and lifecycle entry rules; managers change them here. Re-shown with ``errors``
    beside the fields of the ``form`` that was refused."""
    may_see(request)
    errors = errors or {}

    def refused(name: str) -> tuple[dict | None, dict]:
        return (posted, errors) if form == name else (None, {})

    profile = scoring.profile()
    level = service_levels.service_level()
    level_values = {name: getattr(level, name) for name in LEVEL_SETTINGS}
    level_values["quarterly_revenue_goal"] = f"{level.quarterly_revenue_goal:.2f}"
    saved = selectors.stage_rules_by_stage()
    in_force = selectors.icp_rules_in_force()
    return render(
        request,
        "handoff/setup.html",
        {
            "section": "handoff",
            "profile": profile,
            "level": level,
            "profile_rows": _form_rows(
                PROFILE_SETTINGS, _profile_values(profile), *refused("scoring")
            ),
            "weight_rows": _weight_rows(profile, *refused("weights")),
            "level_rows": _form_rows(LEVEL_SETTINGS, level_values, *refused("levels")),
            "failed_form": form,
            "rules": in_force.saved,
            "default_rules": in_force.defaults,
            "routing_rules": selectors.routing_rules(),
            "stage_rows": [(label, saved.get(value)) for value, label in Stage.choices],
            "stages": Stage.choices,
            "rule_types": icp_rules.RULE_TYPES,
            "can_change": policies.can(request.user, "change", "handoff_setup"),
            "can_change_lifecycle": policies.can(request.user, "change", "lifecycle_setup"),
            "teams": selectors.routing_teams(),
            "segments": selectors.routing_segments(),
            "routing_fields": routing.ROUTING_FIELDS,
        },
        status=422 if errors else 200,
    )


def _settings_saved(request, form: str, read, save, message: str):
    """Read one settings form through its schema and save it; refused (by the schema or the
    service): the page again with each error beside its field."""
    policies.require(request.user, "change", "handoff_setup")  # a stranger learns no reasons
    try:
        save(actor=request.user, **read(request.POST))
    except InvalidInput as exc:
        return setup(request, form=form, posted=request.POST, errors=exc.errors)
    messages.success(request, message)
    return redirect("handoff:setup")


def _profile_read(post) -> dict:
    # Blank is None: the threshold falls back to the company default, the others are refused.
    profile = typed_input(ScoringProfileIn, post, messages=setting_refusals(PROFILE_SETTINGS))
    return profile.model_dump()


def _weights_read(post) -> dict:
    weights, errors = {}, {}
    for kind in TouchKind.values:
        names = {name: f"weights.{kind}.{name}" for name in WEIGHT_SETTINGS}
        if not any(n in post for n in names.values()):
            continue  # a kind the form does not send keeps its weight, as in the API
        refusals = setting_refusals(WEIGHT_SETTINGS)
        try:
            weight = typed_input(TouchWeightIn, {**post.dict(), "kind": kind}, names=names,
                                 messages=refusals)  # fmt: skip
        except InvalidInput as exc:
            errors.update(exc.errors)  # every kind's problems at once, as the service names them
            continue
        weights[kind] = weight.model_dump(exclude={"kind"})
    if errors:
        raise InvalidInput(errors)
    return {"weights": weights}


def _levels_read(post) -> dict:
    levels = typed_input(ServiceLevelSettingsIn, post, messages=setting_refusals(LEVEL_SETTINGS))
    return levels.model_dump()


@login_required
@require_POST
def scoring_profile_set(request):
    """Save the scoring profile's form (every field of ``ScoringProfileIn``)."""
    return _settings_saved(
        request, "scoring", _profile_read, services.scoring_profile_save,
        "Scoring settings saved: the next touch scores with them. Run a full rescore to apply "
        "them to everyone.",
    )  # fmt: skip


@login_required
@require_POST
def touch_weights_set(request):
    """Save the touch weights' form: points and daily cap (``TouchWeightIn``) for each kind."""
    return _settings_saved(
        request, "weights", _weights_read, services.touch_weights_save,
        "Touch weights saved: the next touch scores with them.",
    )  # fmt: skip


@login_required
@require_POST
def service_level_set(request):
    """Save the service levels' form (every field of ``ServiceLevelSettingsIn``)."""
    return _settings_saved(
        request, "levels", _levels_read, services.service_level_save, "Service levels saved."
    )


@login_required
@require_POST
def icp_rule_add(request):
    """Add an ICP rule (values comma-separated); refused: why, above the page."""
    try:
        rule = typed_input(IcpRuleIn, request.POST, messages=ICP_MESSAGES)
        services.icp_rule_save(actor=request.user, **rule.model_dump())
        messages.success(request, "Rule saved. Run a full rescore to apply it to everyone.")
    except InvalidInput as exc:
        setup_errors(request, exc)
    return redirect("handoff:setup")


@login_required
@require_POST
def stage_rule_set(request):
    """Set a lifecycle stage's entry rule (admins)."""
    rule = typed_input(StageRuleForm, request.POST)
    try:
        services.stage_rule_save(actor=request.user, **rule.model_dump())
        messages.success(request, "Entry rule saved.")
    except InvalidInput as exc:
        setup_errors(request, exc)
    return redirect("handoff:setup")


@login_required
@require_POST
def routing_rule_add(request):
    """Add a routing rule from the form, read into the API's ``RoutingRuleIn``."""
    try:
        rule = typed_input(
            RoutingRuleIn,
            request.POST,
            labels={"segment_id": "Segment"},
            names={"team_id": "team", "segment_id": "segment"},
            messages={"team_id": "choose the team that takes these leads"},
        )
        services.routing_rule_add(actor=request.user, rule=rule)
        messages.success(request, "Routing rule saved: it applies to the next hand-off.")
    except InvalidInput as exc:
        setup_errors(request, exc)
    return redirect("handoff:setup")


def _rule_delete(request, rule_get, rule_id: int, delete, message) -> Any:
    """Delete one set-up rule (the service checks the right) and go back to the set-up page."""
    rule = rule_get(rule_id=rule_id)
    delete(actor=request.user, rule=rule)
    messages.success(request, message(rule))
    return redirect("handoff:setup")


@login_required
@require_POST
def icp_rule_delete(request, rule_id: int):
    """Delete an ICP rule (none left: the default rules apply again)."""
    return _rule_delete(
        request,
        selectors.icp_rule_get,
        rule_id,
        services.icp_rule_delete,
        lambda r: f"Rule “{r.label}” deleted. Run a full rescore to apply it.",
    )


@login_required
@require_POST
def stage_rule_delete(request, rule_id: int):
    """Remove a stage's entry rule: the stage follows the default moves again."""
    return _rule_delete(
        request,
        selectors.stage_rule_get,
        rule_id,
        services.stage_rule_delete,
        lambda r: "Entry rule removed: the stage follows the default moves again.",
    )


@login_required
@require_POST
def routing_rule_delete(request, rule_id: int):
    """Delete a routing rule: its leads go to the next rule or the round robin."""
    return _rule_delete(
        request,
        selectors.routing_rule_get,
        rule_id,
        services.routing_rule_delete,
        lambda r: f"Routing rule “{r.name}” deleted.",
    )
