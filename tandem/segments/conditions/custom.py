"""Conditions on the company's custom fields of the contact or of their account.

``{"type": "custom_field", "field": "contact.plants", "op": "gte", "value": 10}``: the field is
named ``<entity>.<key>``; the operators depend on its kind (``fields.filters.OPS_BY_KIND``) and
the value is checked by the field's own gate, so "10 plants" is refused naming the field. The
filter is ``fields.filters``' own, whose expression a filtered field's index is built on.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tandem.fields.filters import ALL_OPS, LISTED, VALUELESS, custom_filter_clean
from tandem.fields.models import CustomField
from tandem.fields.selectors import custom_fields_by_key, custom_fields_for
from tandem.people.hooks import INPUT_ACCOUNT, INPUT_CONTACT
from tandem.segments.conditions.base import Condition, EvalContext, Param, condition
from tandem.segments.conditions.params import param_error

ENTITIES = {"contact": ("Contact", ""), "account": ("Account", "account__")}


def _field_choices() -> list[tuple[str, str]]:
    return [
        (f"{entity}.{field.key}", f"{noun}: {field.label}")
        for entity, (noun, _) in ENTITIES.items()
        for field in custom_fields_for(entity)
    ]


def _field_of(reference: Any) -> CustomField | None:
    entity, _, key = str(reference or "").partition(".")
    if entity not in ENTITIES:
        return None
    return custom_fields_by_key(entity).get(key)


@condition
class CustomFieldCondition(Condition):
    type = "custom_field"
    label = "Custom field"
    group = "Custom fields"
    params = [
        Param("field", "Field", "choice", hint="a custom field of the contact or their account"),
        Param("op", "Operator", "choice", list(ALL_OPS.items())),
        Param("value", "Value", "text", required=False, hide_when={"op": sorted(VALUELESS)},
              hint="for “is one of”, separate values with commas"),
        Param("value_to", "and", "text", required=False, show_when={"op": ["between"]}),
    ]  # fmt: skip

    @classmethod
    def spec(cls) -> dict[str, Any]:
        """The catalogue entry, with the fields that exist now to choose from."""
        spec = super().spec()
        spec["params"][0]["choices"] = [list(c) for c in _field_choices()]
        return spec

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        field = _field_of(raw.get("field"))
        if field is None:
            raise param_error(path, "field", f"there is no custom field {raw.get('field')!r}")
        try:
            op = str(raw.get("op") or "")
            spec = custom_filter_clean(field, op, raw.get("value"), raw.get("value_to"))
        except ValueError as error:
            part, message = error.args
            raise param_error(path, part, message) from None
        return {
            "field": f"{field.entity}.{field.key}",
            "op": spec.op,
            "value": spec.value,
            "value_to": spec.value_to,
        }

    def custom_field(self) -> CustomField:
        field = _field_of(self.values["field"])
        if field is None:  # deleted since the rule was checked: never "everyone"
            raise param_error(self.path, "field", f"there is no field {self.values['field']!r}")
        return field

    def q(self, ctx: EvalContext) -> Q:
        field = self.custom_field()
        spec = custom_filter_clean(field, self.values["op"], self.values["value"],
                                   self.values["value_to"])  # fmt: skip
        return spec.q(prefix=ENTITIES[field.entity][1])

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        if self.values["field"].startswith("account."):
            return frozenset({INPUT_ACCOUNT, INPUT_CONTACT})
        return frozenset({INPUT_CONTACT})

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        v = self.values
        field = _field_of(v["field"])
        label = field.label if field else v["field"]
        noun = ENTITIES[v["field"].partition(".")[0]][0]
        words = f"{noun} {label} {ALL_OPS[v['op']]}"
        if v["op"] in LISTED:
            return f"{words} {', '.join(map(str, v['value']))}"
        if v["op"] == "between":
            return f"{words} {v['value']} and {v['value_to']}"
        return words if v["op"] in VALUELESS else f"{words} {v['value']}"


def custom_fields_of_rule(rule: Any) -> list[CustomField]:
    """The custom fields a (normalised) rule filters on."""
    found: list[CustomField] = []

    def walk(group: dict[str, Any]) -> None:
        for item in group.get("conditions", []):
            if "conditions" in item:
                walk(item)
            elif item.get("type") == CustomFieldCondition.type:
                field = _field_of(item.get("field"))
                if field is not None and field not in found:
                    found.append(field)

    if isinstance(rule, dict):
        walk(rule)
    return found
