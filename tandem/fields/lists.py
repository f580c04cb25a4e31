"""Custom fields on list pages: one filter and the chosen columns, read from the query string.

``?cf=plants&cf_op=gte&cf_value=10&cols=plants&cols=tier`` — the same names on the contact and
deal lists (and the deal API's query parameters). A bad filter is ``InvalidInput`` naming the
query parameter (``cf_value``) with the field's own message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tandem.errors import InvalidInput
from tandem.fields.filters import CustomFilter, custom_filter_clean
from tandem.fields.models import CustomField
from tandem.fields.selectors import custom_fields_by_key, custom_fields_for
from tandem.fields.tasks import custom_field_filtered

PARTS = {"op": "cf_op", "value": "cf_value", "value_to": "cf_value_to"}


def custom_filter_parse(
    entity: str, *, key: str, op: str = "", value: Any = None, value_to: Any = None
) -> CustomFilter | None:
    """The list's custom filter (None when no field is chosen); a filtered field is indexed."""
    if not key:
        return None
    field = custom_fields_by_key(entity).get(key)
    if field is None or field.is_archived:
        raise InvalidInput.field("cf", f"there is no {entity} field {key!r}")
    try:
        spec = custom_filter_clean(field, op, value or None, value_to or None)
    except ValueError as error:
        part, message = error.args
        raise InvalidInput.field(PARTS[part], message) from None
    custom_field_filtered(field)
    return spec


def custom_filter_from_query(entity: str, query: Mapping[str, Any]) -> CustomFilter | None:
    """``custom_filter_parse`` on a page's GET."""
    return custom_filter_parse(
        entity,
        key=str(query.get("cf") or ""),
        op=str(query.get("cf_op") or ""),
        value=query.get("cf_value"),
        value_to=query.get("cf_value_to"),
    )


def custom_columns(
    entity: str, keys: list[str], *, fields: list[CustomField] | None = None
) -> list[CustomField]:
    """The entity's live fields named in ``keys`` (unknown ones ignored), in page order;
    ``fields``: the entity's fields already read."""
    wanted = set(keys)
    if not wanted:
        return []
    return [
        f for f in (fields if fields is not None else custom_fields_for(entity)) if f.key in wanted
    ]
