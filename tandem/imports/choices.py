"""What the wizard's selects offer: the targets a column can map to, and the Tandem values a
file's lifecycle stages, deal stages and owners can become."""

from __future__ import annotations

from dataclasses import dataclass

from tandem.access.selectors import users_active
from tandem.fields.models import FieldKind
from tandem.fields.selectors import custom_fields_for
from tandem.imports.presets import NEW_CUSTOM_PREFIX, TARGETS
from tandem.people.models import Stage
from tandem.sales.selectors import pipeline_get

# A column becomes a new field of one of these kinds (a choice field needs its choices first).
NEW_FIELD_KINDS = (
    FieldKind.TEXT,
    FieldKind.NUMBER,
    FieldKind.MONEY,
    FieldKind.DATE,
    FieldKind.YES_NO,
)
ENTITY_OF = {"contacts": "contact", "accounts": "account", "deals": "deal"}


@dataclass(frozen=True)
class OptionGroup:
    """A labelled group of ``(value, label)`` options (an ``<optgroup>``)."""

    label: str
    options: list[tuple[str, str]]


def target_groups(object_type: str) -> list[OptionGroup]:
    """The targets a column of this kind of file can map to: Tandem's fields, the company's
    custom fields, and a new custom field of each kind (labelled as the column)."""
    custom = [(f"custom:{f.key}", f.label) for f in custom_fields_for(ENTITY_OF[object_type])]
    groups = [OptionGroup("Tandem fields", list(TARGETS[object_type].items()))]
    if custom:
        groups.append(OptionGroup("Custom fields", custom))
    groups.append(
        OptionGroup(
            "New custom field (named as the column)",
            [
                (f"{NEW_CUSTOM_PREFIX}{kind}", f"New {kind.label.lower()} field")
                for kind in NEW_FIELD_KINDS
            ],
        )
    )
    return groups


def target_label(object_type: str, target: str) -> str:
    """How the wizard names a target ("Lifecycle stage", "Custom: Plants")."""
    if not target:
        return "Skipped"
    for group in target_groups(object_type):
        for value, label in group.options:
            if value == target:
                return label
    return target


def value_choices(target: str) -> list[tuple[str, str]]:
    """The Tandem values a file's value of ``target`` can become; "" leaves it out."""
    if target == "lifecycle_stage":
        return [("", "— leave blank —"), *Stage.choices]
    if target == "stage":
        pipeline = pipeline_get(pipeline_id=None)
        stages = list(pipeline.stages.all()) if pipeline is not None else []
        return [("", "— not mapped —"), *((s.name, s.name) for s in stages)]
    if target == "owner":
        people = users_active().order_by("first_name", "last_name", "username")
        return [("", "— no owner —"), *((str(u.pk), _person(u)) for u in people)]
    return []


def _person(user) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.email})" if user.email else name
