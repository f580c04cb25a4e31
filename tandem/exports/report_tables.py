"""A report's tables: each list of records in a finished run's result, as a downloadable list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tandem.errors import InvalidInput
from tandem.exports.table import Table, query_id
from tandem.reports.selectors import run_get_for_user
from tandem.reports.services import run_result


def _flat(record: Mapping[str, Any]) -> dict[str, Any]:
    """A result row as cells: a nested object one level down as ``outer.inner``; a list of
    objects as ``<label>.<field>`` columns, labelled by each object's first text field (a
    cohort's stages: ``lead.reached``, ``mql.reached`` …); other lists joined."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                flat[f"{key}.{inner}"] = item if not isinstance(item, dict | list) else str(item)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for n, item in enumerate(value):
                label = next((v for v in item.values() if isinstance(v, str)), str(n))
                for inner, cell in item.items():
                    if cell != label:
                        flat[f"{label}.{inner}"] = (
                            cell if not isinstance(cell, dict | list) else str(cell)
                        )
        elif isinstance(value, list):
            flat[key] = "; ".join(map(str, value))
        else:
            flat[key] = value
    return flat


def report_tables(result: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The tables of a report's result: each list of records in it, by name."""
    return {
        key: [_flat(r) for r in value]
        for key, value in result.items()
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value)
    }


def report_table(*, user: Any, query: Mapping[str, str]) -> Table:
    """One table (``table``, else the first) of the finished report run ``run``."""
    run = run_get_for_user(user=user, run_id=query_id(query, "run") or 0)
    # Through the typed result: its fields keep their order (PostgreSQL's JSON does not).
    result = run_result(run)
    tables = report_tables(result.model_dump(mode="json") if result is not None else {})
    if not tables:
        raise InvalidInput.field("run", "this report has no table to download yet")
    name = query.get("table") or next(iter(tables))
    if name not in tables:
        raise InvalidInput.field("table", f"choose one of: {', '.join(tables)}")
    records = tables[name]
    header = list(dict.fromkeys(key for r in records for key in r))
    rows = (tuple(r.get(key) for key in header) for r in records)
    return Table(f"report-{run.analysis}-{name}", f"{run.analysis} {name}", header, rows)
