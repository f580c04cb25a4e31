"""A lead form's definition: which fields it asks for, in order, and where each one lands.

A definition is a list of fields, each ``{"name", "label", "maps_to", "is_required", "kind",
"options"}``. ``maps_to`` is a contact field (``email``, ``first_name``, ``last_name``,
``title``, ``phone``), the account's ``company`` name, a contact custom field
(``field:<key>``, set on the contact through the field's own gate), or ``custom`` (kept with
the submission only). Email is always asked for and always required. A malformed definition
is refused with the reason, naming the field by its position (``fields.2.name``).
"""

from __future__ import annotations

import re
from typing import Any

from tandem.errors import InvalidInput
from tandem.fields.selectors import custom_fields_by_key, custom_fields_for

# Where a field's value lands, and its longest allowed answer.
TARGETS: dict[str, int] = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "company": 200,
    "title": 150,
    "phone": 40,
    "custom": 1000,
}
KINDS = ("text", "email", "tel", "textarea", "select", "checkbox")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Names the public endpoint uses for itself.
RESERVED = frozenset(
    {"consent", "website", "form_started", "visitor_id", "csrfmiddlewaretoken"}
    | {f"utm_{k}" for k in ("source", "medium", "campaign", "content", "term")}
)
MAX_FIELDS = 30
FIELD_KEYS = frozenset({"name", "label", "maps_to", "is_required", "kind", "options"})
LABELS = {
    "email": "Work email",
    "first_name": "First name",
    "last_name": "Last name",
    "company": "Company",
    "title": "Job title",
    "phone": "Phone",
}
KIND_OF = {"email": "email", "phone": "tel"}
AUTOCOMPLETE = {
    "email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "company": "organization",
    "title": "organization-title",
    "phone": "tel",
}
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {
        "name": target,
        "label": LABELS[target],
        "maps_to": target,
        "is_required": target == "email",
        "kind": KIND_OF.get(target, "text"),
        "options": [],
    }
    for target in ("email", "first_name", "last_name", "company", "title", "phone")
]


CUSTOM_FIELD_PREFIX = "field:"


def custom_target_key(target: str) -> str:
    """The contact custom field's key a ``field:<key>`` target names ("" for other targets)."""
    return (
        target.removeprefix(CUSTOM_FIELD_PREFIX) if target.startswith(CUSTOM_FIELD_PREFIX) else ""
    )


def custom_target_problem(target: str, fields: dict[str, Any] | None = None) -> str:
    """Why a ``field:<key>`` target fills nothing ("" when it does): its contact custom field
    was deleted, or archived. ``fields``: the contact fields by key (archived too), if read."""
    key = custom_target_key(target)
    if not key:
        return ""
    known = fields if fields is not None else custom_fields_by_key("contact")
    field = known.get(key)
    if field is None:
        return (
            f"the contact custom field {key!r} no longer exists: answers are kept with the "
            "submission only; choose another target or remove this field"
        )
    if field.is_archived:
        return (
            f"the contact custom field {field.label!r} is archived: answers are kept with the "
            "submission but no longer fill the contact; choose another target, or bring the "
            "field back on the custom fields page"
        )
    return ""


def form_field_problems(fields: list[dict[str, Any]]) -> dict[int, str]:
    """By position, each field of a form whose ``field:<key>`` target fills nothing, why."""
    known = custom_fields_by_key("contact")
    problems = {i: custom_target_problem(f.get("maps_to", ""), known) for i, f in enumerate(fields)}
    return {i: p for i, p in problems.items() if p}


def targets_all() -> list[str]:
    """Every target a form field may fill, the contact custom fields (``field:<key>``) last."""
    return [*TARGETS, *(f"{CUSTOM_FIELD_PREFIX}{f.key}" for f in custom_fields_for("contact"))]


def _limit(target: str) -> int:
    return TARGETS.get(target, 2000)


def fields_of(form: Any) -> list[dict[str, Any]]:
    """The form's fields, or the standard set for a form defined before the builder."""
    return form.fields or DEFAULT_FIELDS


def _options_check(options: Any, kind: str, at: str, errors: dict[str, str]) -> None:
    """A select's options (1 to 50, none repeated); no other kind has any."""
    if kind == "select":
        if (
            not isinstance(options, list)
            or not 1 <= len(options) <= 50
            or not all(isinstance(o, str) and 0 < len(o.strip()) <= 100 for o in options)
        ):
            errors[f"{at}.options"] = "a choice needs 1 to 50 options of up to 100 characters"
        elif len({o.strip() for o in options}) != len(options):
            errors[f"{at}.options"] = "options repeat"
    elif options:
        errors[f"{at}.options"] = "only a select field has options"


def _target_refused(maps_to: Any, fields: dict[str, Any]) -> str:
    if isinstance(maps_to, str) and custom_target_key(maps_to):
        return custom_target_problem(maps_to, fields)
    return f"use one of {', '.join(TARGETS)}, or field:<key> of a contact custom field"


def definition_check(raw: Any) -> list[dict[str, Any]]:
    """The definition, normalised; ``InvalidInput`` naming each problem otherwise."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInput.field("fields", "give a list of fields (at least the email)")
    if len(raw) > MAX_FIELDS:
        raise InvalidInput.field("fields", f"a form has at most {MAX_FIELDS} fields")
    errors: dict[str, str] = {}
    clean: list[dict[str, Any]] = []
    names: set[str] = set()
    targets: set[str] = set()
    every_field = custom_fields_by_key("contact")
    contact_fields = {
        f"{CUSTOM_FIELD_PREFIX}{k}": f for k, f in every_field.items() if not f.is_archived
    }
    for i, field in enumerate(raw):
        at = f"fields.{i}"
        if not isinstance(field, dict):
            errors[at] = "each field must be an object"
            continue
        unknown = sorted(
            set(field) - {"name", "label", "maps_to", "is_required", "kind", "options"}
        )
        if unknown:
            errors[f"{at}.{unknown[0]}"] = "is not part of a field"
        maps_to = field.get("maps_to", "custom")
        if maps_to not in TARGETS and maps_to not in contact_fields:
            errors[f"{at}.maps_to"] = _target_refused(maps_to, every_field)
            continue
        name = field.get("name") or (
            maps_to if maps_to in TARGETS and maps_to != "custom" else custom_target_key(maps_to)
        )
        if not isinstance(name, str) or not NAME.match(name):
            errors[f"{at}.name"] = "use lower-case letters, digits and _ (start with a letter)"
        elif name in RESERVED:
            errors[f"{at}.name"] = f"'{name}' is used by the form itself"
        elif name in names:
            errors[f"{at}.name"] = f"'{name}' is used by another field"
        names.add(str(name))
        if maps_to != "custom":
            if maps_to in targets:
                errors[f"{at}.maps_to"] = f"another field already fills {maps_to}"
            targets.add(maps_to)
        custom_field = contact_fields.get(maps_to)
        label = field.get("label") or LABELS.get(
            maps_to, custom_field.label if custom_field else ""
        )
        if not isinstance(label, str) or not label.strip():
            errors[f"{at}.label"] = "a field needs a label"
        elif len(label) > 200:
            errors[f"{at}.label"] = "must be at most 200 characters"
        kind = field.get("kind") or KIND_OF.get(maps_to, "text")
        if kind not in KINDS:
            errors[f"{at}.kind"] = f"use one of {', '.join(KINDS)}"
        elif maps_to in TARGETS and maps_to != "custom" and kind in ("select", "checkbox"):
            errors[f"{at}.kind"] = f"{maps_to} takes typed text, not a {kind}"
        options = field.get("options") or []
        _options_check(options, kind, at, errors)
        is_required = field.get("is_required", False)
        if not isinstance(is_required, bool):
            errors[f"{at}.is_required"] = "must be true or false"
        if maps_to == "email" and is_required is False:
            errors[f"{at}.is_required"] = "the email is always required"
        clean.append(
            {
                "name": name,
                "label": label.strip() if isinstance(label, str) else "",
                "maps_to": maps_to,
                "is_required": bool(is_required),
                "kind": kind,
                "options": [o.strip() for o in options] if kind == "select" else [],
            }
        )
    if not errors and "email" not in targets:
        errors["fields"] = "a form must ask for the email address (maps_to: email)"
    if errors:
        raise InvalidInput(errors)
    return clean


def answers_clean(
    fields: list[dict[str, Any]], data: dict[str, Any], *, live_keys: set[str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """A submission's answers checked against the form: the values by target field, and the
    custom answers by name. ``InvalidInput`` names every bad field, by its name on the form.

    ``live_keys``: the contact custom fields a ``field:<key>`` may still fill; an answer to
    one archived or deleted since the form was built is kept with the submission only."""
    if live_keys is None:
        live_keys = {f.key for f in custom_fields_for("contact")}
    errors: dict[str, str] = {}
    mapped: dict[str, str] = {}
    custom: dict[str, str] = {}
    for field in fields:
        name, target = field["name"], field["maps_to"]
        raw = data.get(name, "")
        if raw is None:
            raw = ""
        if field["kind"] == "checkbox":
            raw = "yes" if str(raw).strip().lower() in ("1", "true", "yes", "on") else ""
        if not isinstance(raw, str):
            errors[name] = "must be text"
            continue
        value = raw.strip()
        if len(value) > _limit(target):
            errors[name] = f"must be at most {_limit(target)} characters"
            continue
        if field["is_required"] and not value:
            errors[name] = "is required" if target != "email" else "an email address is required"
            continue
        if field["kind"] == "select" and value and value not in field["options"]:
            errors[name] = "choose one of the options"
            continue
        if target == "custom" or (custom_target_key(target) not in ("", *live_keys)):
            custom[name] = value
        else:
            mapped[target] = value
    if errors:
        raise InvalidInput(errors)
    return mapped, custom
