"""A list ready to be written: its name, its title, its header and its rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tandem.errors import InvalidInput


@dataclass(frozen=True)
class Table:
    """A list ready to write: a title (the file's name), a header and the rows, lazily."""

    name: str
    title: str
    header: list[str]
    rows: Iterable[tuple[Any, ...]]


def query_id(query: Mapping[str, str], key: str) -> int | None:
    """The whole number ``query[key]`` names, None when absent; bad input names the key."""
    raw = query.get(key) or ""
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput.field(key, "must be a whole number") from None
