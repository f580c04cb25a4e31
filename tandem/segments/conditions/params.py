"""Checking a condition's parameters: each problem names the path of the bad part."""

from __future__ import annotations

from tandem.segments.conditions.base import REFERENCES, RuleError


def param_error(path: str, name: str, message: str) -> RuleError:
    """The error for parameter ``name`` of the condition at ``path``."""
    return RuleError({f"{path}.{name}": message})


def choice_clean(raw: dict, path: str, name: str, choices: list[tuple[str, str]]) -> str:
    """One of ``choices`` (by value)."""
    value = raw.get(name)
    allowed = [c[0] for c in choices]
    if value in (None, ""):
        raise param_error(path, name, f"choose one of {', '.join(allowed)}")
    if value not in allowed:
        raise param_error(path, name, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def choices_clean(raw: dict, path: str, name: str, choices: list[tuple[str, str]]) -> list[str]:
    """At least one of ``choices`` (a single value counts as a list of one), without repeats."""
    value = raw.get(name)
    if isinstance(value, str):
        value = [value]
    allowed = [c[0] for c in choices]
    if not isinstance(value, list) or not value:
        raise param_error(path, name, f"choose at least one of {', '.join(allowed)}")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise param_error(path, name, f"{unknown[0]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(str(v) for v in value))


def int_clean(
    raw: dict,
    path: str,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    required: bool = True,
) -> int | None:
    """A whole number (or its text) within the bounds; None when blank and not required."""
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise param_error(path, name, "a whole number is required")
        return None
    if isinstance(value, bool):
        raise param_error(path, name, "must be a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise param_error(path, name, f"{raw.get(name)!r} is not a whole number") from None
    if not isinstance(value, int):
        raise param_error(path, name, "must be a whole number")
    if minimum is not None and value < minimum:
        raise param_error(path, name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise param_error(path, name, f"must be at most {maximum}")
    return value


def text_clean(raw: dict, path: str, name: str, *, max_length: int = 200) -> str:
    """Text that is not blank, trimmed."""
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise param_error(path, name, "a value is required")
    if len(value) > max_length:
        raise param_error(path, name, f"must be at most {max_length} characters")
    return value.strip()


def record_clean(raw: dict, path: str, name: str, kind: str) -> int:
    """The id of an existing record of ``kind`` (a registered ``Reference``)."""
    reference = REFERENCES[kind]
    pk = int_clean(raw, path, name, minimum=1)
    if not reference.records().filter(pk=pk).exists():
        raise param_error(path, name, f"there is no {reference.noun} {pk}")
    assert pk is not None
    return pk
