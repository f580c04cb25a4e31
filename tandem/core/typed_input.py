"""Typed input for the pages: a form's fields validated by the same pydantic schema as the API.

One definition of an input serves both doors (as Zulip's typed endpoints do): the API reads a
JSON body into the schema, a page reads its ``request.POST``/``GET`` into it with
:func:`typed_input`. A bad value raises ``InvalidInput({field: message})`` like any service, the
message naming the field as its form labels it ("Amount must be a number").
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tandem.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


class Verbatim:
    """Marks a text field kept as sent, spaces and all (``Annotated[str, VERBATIM]``): an email's
    body or a form's wording is stored as written, where a name or a number is trimmed."""


VERBATIM = Verbatim()


class TextAsSent(BaseModel):
    """A page's form whose every text field is kept as sent (as ``VERBATIM`` marks one field):
    its service trims and checks each value itself, with its own messages."""

    keeps_text_as_sent: ClassVar[bool] = True


class CommaSeparated:
    """Marks a list a form sends as one text, comma separated (``Annotated[list[str],
    COMMA_SEPARATED]``): "EMEA, Nordics" is two values; the API still takes a JSON list."""


COMMA_SEPARATED = CommaSeparated()


class GroupedDigits:
    """Marks a number a person may type with its digits grouped ("1,200", "100 000"): the page
    reads it without the commas and spaces; the API still takes a JSON number. A field's
    metadata may be an instance of a subclass (a setting's range that also says so)."""


GROUPED_DIGITS = GroupedDigits()

# What people read for pydantic's error types; the label is put in front.
MESSAGES = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "bool_parsing": "must be yes or no",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "datetime_parsing": "must be a date and time (YYYY-MM-DD HH:MM)",
    "datetime_from_date_parsing": "must be a date and time (YYYY-MM-DD HH:MM)",
    "string_too_long": "must be at most {max_length} characters",
    "too_long": "may have at most {max_length} items",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "decimal_max_places": "may have at most {decimal_places} decimal places",
    "decimal_max_digits": "may have at most {max_digits} digits",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


def typed_input(
    schema: type[M],
    data: Mapping[str, Any],
    *,
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    messages: Mapping[str, str] | None = None,
) -> M:
    """``data`` (a QueryDict or a plain mapping of a form's fields) as an instance of ``schema``.

        A list field takes every value sent under its name; a checkbox (a bool field) is true when
        sent and false when not; a blank number or date takes its default (blank text stays blank,
    so a form can clear it; a ``VERBATIM`` text keeps its spaces). ``labels`` names fields
        as the form shows them; otherwise a field's ``title``, else its name in words. ``names``
    maps a schema field to the form's input where they differ (``product_id`` → ``product``);
    errors are keyed by the form's names, so a page shows each beside its input. ``messages``
    gives a field its own sentence for any problem with it ("choose the team …").
    """
    names = names or {}
    as_sent = getattr(schema, "keeps_text_as_sent", False)
    values = {
        name: value
        for name, field in schema.model_fields.items()
        if (value := _value(data, names.get(name, name), field, as_sent)) is not _LEFT_OUT
    }
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        errors = _errors(schema, exc, labels or {}, names)
        for name, message in (messages or {}).items():
            if names.get(name, name) in errors:
                errors[names.get(name, name)] = message
        raise InvalidInput(errors) from None


_LEFT_OUT = object()


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (list, set, tuple):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return False


def _value(data: Mapping[str, Any], name: str, field: FieldInfo, as_sent: bool) -> Any:
    if _is_list(field.annotation):
        if any(isinstance(m, CommaSeparated) for m in field.metadata):
            items = [v.strip() for v in str(data.get(name) or "").split(",") if v.strip()]
        elif hasattr(data, "getlist"):
            items = [v.strip() for v in data.getlist(name) if v.strip()]
        else:
            items = list(data.get(name) or [])
        return items if items or field.is_required() else _LEFT_OUT
    if field.annotation is bool:
        return str(data.get(name, "")).strip().lower() in ("1", "on", "yes", "true")
    raw = data.get(name)
    if raw is None:
        return _LEFT_OUT
    if isinstance(raw, str) and (as_sent or any(isinstance(m, Verbatim) for m in field.metadata)):
        return raw
    value = raw.strip() if isinstance(raw, str) else raw
    if isinstance(value, str) and any(isinstance(m, GroupedDigits) for m in field.metadata):
        value = value.replace(",", "").replace(" ", "")
    if value == "" and not _accepts_text(field.annotation):
        return _LEFT_OUT  # a blank number or date is a missing one: its default, or required
    return value


def _accepts_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return str in typing.get_args(annotation)
    return False


def _label(schema: type[BaseModel], name: str, labels: Mapping[str, str]) -> str:
    field = schema.model_fields.get(name)
    title = field.title if field is not None else None
    return labels.get(name) or title or name.replace("_", " ").capitalize()


def _errors(
    schema: type[BaseModel],
    exc: ValidationError,
    labels: Mapping[str, str],
    names: Mapping[str, str],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        key = names.get(name, name)
        if key in errors:
            continue  # the first problem of a field is the one to fix first
        errors[key] = f"{_label(schema, name, labels)} {_message(error)}".strip()
    return errors


def _message(error: Any) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "string_too_short":
        wanted = context.get("min_length", 1)
        return "is required" if wanted == 1 else f"must be at least {wanted} characters"
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind in MESSAGES:
        return MESSAGES[kind].format(**context)
    return str(error["msg"]).lower()
