"""Checking and applying a mapping; the file's values to map, with suggestions."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from tandem.errors import InvalidInput
from tandem.fields.models import CustomField, FieldKind
from tandem.fields.selectors import custom_fields_by_key
from tandem.fields.services import custom_field_define, custom_field_key_for
from tandem.imports.dates import date_order_describe, date_order_detect
from tandem.imports.mapping import ENTITY, owners_known
from tandem.imports.models import ImportJob, Mode, ObjectType
from tandem.imports.presets import (
    CUSTOM_PREFIX,
    MAPPED_TARGETS,
    NEW_CUSTOM_PREFIX,
    PRESETS_BY_KEY,
    TARGETS,
)
from tandem.imports.reading import rows_read
from tandem.imports.running import detected_of, file_path
from tandem.people.models import Stage
from tandem.sales.services import pipeline_default

# A kind of import needs one of these mapped to find or create its records.
KEYS: dict[str, tuple[str, ...]] = {
    ObjectType.CONTACTS: ("email", "external_id"),
    ObjectType.ACCOUNTS: ("name", "domain", "external_id"),
    ObjectType.DEALS: ("name", "external_id"),
}
DATE_ORDERS = ("iso", "day_first", "month_first")
DISTINCT_LIMIT = 500


def describe(job: ImportJob) -> str:
    found = detected_of(job).describe()
    preset = PRESETS_BY_KEY.get(job.preset)
    words = [found, date_order_describe(job.date_order)]
    if preset:
        words.append(f"looks like a {preset.label}")
    return "; ".join(words)


def _targets_check(job: ImportJob, mapping: dict[str, str]) -> dict[str, str]:
    known = TARGETS[job.object_type]
    fields = custom_fields_by_key(ENTITY[ObjectType(job.object_type)])
    unknown = [h for h in mapping if h not in job.headers]
    if unknown:
        raise InvalidInput.field("mapping", f"the file has no column {unknown[0]!r}")
    cleaned: dict[str, str] = {}
    used: dict[str, str] = {}
    for header in job.headers:
        target = (mapping.get(header) or "").strip()
        if target.startswith(CUSTOM_PREFIX) and target.removeprefix(CUSTOM_PREFIX) not in fields:
            raise InvalidInput.field(
                f"mapping.{header}", f"there is no custom field {target[7:]!r}"
            )
        if target.startswith(CUSTOM_PREFIX):
            _live_check(fields[target.removeprefix(CUSTOM_PREFIX)], header)
        if target.startswith(NEW_CUSTOM_PREFIX):
            taken = fields.get(custom_field_key_for(header))
            if taken is not None:
                _live_check(taken, header)
            kind = target.removeprefix(NEW_CUSTOM_PREFIX)
            if kind not in FieldKind.values or kind in (FieldKind.CHOICE, FieldKind.CHOICES):
                raise InvalidInput.field(
                    f"mapping.{header}",
                    f"a new field from a column is one of text, number, money, date, yes_no; "
                    f"not {kind!r}",
                )
        elif target and target not in known and not target.startswith(CUSTOM_PREFIX):
            raise InvalidInput.field(
                f"mapping.{header}", f"{target!r} is not a field of {job.object_type}"
            )
        if target and not target.startswith(NEW_CUSTOM_PREFIX):
            if target in used:
                raise InvalidInput.field(
                    f"mapping.{header}",
                    f"columns {used[target]!r} and {header!r} both fill {target}",
                )
            used[target] = header
        cleaned[header] = target
    if not any(t in used for t in KEYS[job.object_type]):
        names = " or ".join(TARGETS[job.object_type][k] for k in KEYS[job.object_type])
        raise InvalidInput.field("mapping", f"map a column to {names}: it is how records are found")
    return cleaned


def _live_check(field: CustomField, header: str) -> None:
    """An archived field takes no values: a column mapped to it is refused, naming both."""
    if field.is_archived:
        raise InvalidInput.field(
            f"mapping.{header}",
            f"column {header!r} fills the custom field {field.label!r} ({field.key}), which is "
            "archived: its values are kept but no longer set; leave the column out, or bring "
            "the field back on the custom fields page",
        )


def archived_mapped_check(job: ImportJob) -> None:
    """A configured import whose mapping fills a field archived since is refused, naming it."""
    fields = custom_fields_by_key(ENTITY[ObjectType(job.object_type)])
    for header, target in (job.mapping or {}).items():
        field = fields.get(target.removeprefix(CUSTOM_PREFIX))
        if target.startswith(CUSTOM_PREFIX) and field is not None:
            _live_check(field, header)


def _value_maps_check(
    job: ImportJob, value_maps: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    stage_names = (
        {s.name.casefold(): s.name for s in pipeline_default().stages.all()}
        if job.object_type == ObjectType.DEALS
        else {}
    )
    for target, table in value_maps.items():
        if target not in MAPPED_TARGETS:
            raise InvalidInput.field(
                f"value_maps.{target}", "only lifecycle stage, stage and owner take a value table"
            )
        out: dict[str, str] = {}
        for source, value in (table or {}).items():
            value = str(value or "").strip()
            if target == "lifecycle_stage" and value and value not in Stage.values:
                raise InvalidInput.field(
                    f"value_maps.{target}", f"{value!r} is not a lifecycle stage"
                )
            if target == "stage" and value:
                if value.casefold() not in stage_names:
                    raise InvalidInput.field(
                        f"value_maps.{target}", f"{value!r} is not a pipeline stage"
                    )
                value = stage_names[value.casefold()]
            if target == "owner" and value and not value.isdigit():
                raise InvalidInput.field(f"value_maps.{target}", f"{value!r} is not a user id")
            out[str(source)] = value
        cleaned[target] = out
    return cleaned


def _new_fields(user: Any, job: ImportJob, mapping: dict[str, str]) -> None:
    """Create the custom fields the mapping asks for; the mapping then names them."""
    entity = ENTITY[ObjectType(job.object_type)]
    fields = custom_fields_by_key(entity)
    for header, target in mapping.items():
        if not target.startswith(NEW_CUSTOM_PREFIX):
            continue
        key = custom_field_key_for(header)
        if key not in fields:
            try:
                fields[key] = custom_field_define(
                    entity=entity,
                    label=header[:100],
                    kind=target.removeprefix(NEW_CUSTOM_PREFIX),
                    key=key,
                    created_by=user,
                )
            except ValueError as error:
                raise InvalidInput.field(f"mapping.{header}", str(error)) from None
        mapping[header] = f"{CUSTOM_PREFIX}{key}"


def configure(
    *,
    user: Any,
    job: ImportJob,
    mapping: dict[str, str],
    value_maps: dict[str, dict[str, str]],
    mode: str,
    blanks_overwrite: bool,
    date_order: str | None,
) -> None:
    """Check everything, then set it on ``job`` (unsaved); custom fields are created here."""
    if mode not in Mode.values:
        raise InvalidInput.field("mode", f"use one of {', '.join(Mode.values)}")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise InvalidInput.field("date_order", f"use one of {', '.join(DATE_ORDERS)}")
    cleaned = _targets_check(job, mapping)
    maps = _value_maps_check(job, value_maps)
    _new_fields(user, job, cleaned)
    job.mapping, job.value_maps, job.mode = cleaned, maps, mode
    job.blanks_overwrite = bool(blanks_overwrite)
    job.date_order = date_order or _date_order_of_mapped(job)


def _date_order_of_mapped(job: ImportJob) -> str:
    fields = custom_fields_by_key(ENTITY[ObjectType(job.object_type)])
    columns = [
        i
        for i, header in enumerate(job.headers)
        if job.mapping.get(header) == "close_date"
        or (
            job.mapping.get(header, "").startswith(CUSTOM_PREFIX)
            and getattr(fields.get(job.mapping[header][7:]), "kind", "") == FieldKind.DATE
        )
    ]
    if not columns:
        return job.date_order or "iso"
    return date_order_detect(rows_read(file_path(job), detected_of(job)), columns)


def values_to_map(job: ImportJob) -> dict[str, list[tuple[str, str, int]]]:
    index = {h: i for i, h in enumerate(job.headers)}
    columns = {t: index[h] for h, t in job.mapping.items() if t in MAPPED_TARGETS and h in index}
    if not columns:
        return {}
    counts: dict[str, Counter[str]] = {t: Counter() for t in columns}
    for row in itertools.islice(rows_read(file_path(job), detected_of(job)), 1_000_000):
        for target, i in columns.items():
            value = row.cells[i].strip()
            if value and (value in counts[target] or len(counts[target]) < DISTINCT_LIMIT):
                counts[target][value] += 1
    owners = owners_known() if "owner" in columns else {}
    stages = (
        {s.name.casefold(): s.name for s in pipeline_default().stages.all()}
        if "stage" in columns
        else {}
    )
    result: dict[str, list[tuple[str, str, int]]] = {}
    for target, counter in counts.items():
        known = {k.casefold(): v for k, v in (job.value_maps.get(target) or {}).items()}
        result[target] = [
            (value, _suggest(target, value, known, owners, stages), n)
            for value, n in counter.most_common()
        ]
    return result


def _suggest(target: str, value: str, known: dict, owners: dict, stages: dict) -> str:
    key = value.casefold()
    if key in known:
        return str(known[key])
    if target == "owner":
        return str(owners[key]) if key in owners else ""
    if target == "stage":
        return stages.get(key, "")
    by_name = {s.value: s.value for s in Stage} | {s.label.casefold(): s.value for s in Stage}
    return by_name.get(key, "")
