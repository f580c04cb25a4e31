"""Text as it may be stored: no NUL characters (PostgreSQL refuses them, and no person types
one) and no bidirectional overrides (U+202A–U+202E, U+2066–U+2069: they make a name read
backwards, "Trojan Source" style). A NUL is refused naming the field; overrides are dropped."""

from __future__ import annotations

from typing import Any

from tandem.errors import InvalidInput

BIDI_OVERRIDES = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_DROP = str.maketrans(dict.fromkeys(BIDI_OVERRIDES))
NUL_MESSAGE = "must not contain a NUL character"


def text_clean(value: str, *, field: str) -> str:
    """``value`` with bidi overrides dropped; ``InvalidInput({field: …})`` if it holds a NUL."""
    if "\x00" in value:
        raise InvalidInput.field(field, NUL_MESSAGE)
    return value.translate(_DROP)


def tree_clean(value: Any, *, path: str = "") -> Any:
    """Every string (and key) in a parsed JSON value cleaned; a NUL is named by its path
    (``items.2.first_name``), as the API names fields."""
    if isinstance(value, str):
        return text_clean(value, field=path or "body")
    if isinstance(value, list):
        return [tree_clean(item, path=_join(path, str(i))) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            text_clean(str(key), field=_join(path, str(key))): tree_clean(
                item, path=_join(path, str(key))
            )
            for key, item in value.items()
        }
    return value


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part
