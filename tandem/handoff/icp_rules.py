"""ICP rules: the rule as scoring reads it, the defaults a company starts with, and the
registry of rule types.

Each rule is of a registered type that declares the fields it reads, tests one contact or
account in Python (for the incremental path and the plain-words reasons on the lead page) and
returns a query expression (for the set-based full recompute, ``rescoring``). A rule naming a
field its type does not read is refused at save (``rule_problem``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from tandem.fields.filters import NUMERIC, custom_filter_clean
from tandem.fields.models import CustomField, FieldKind
from tandem.fields.selectors import custom_fields_by_key
from tandem.fields.values import date_parse, number_parse, yes_no_parse
from tandem.people.models import AUDIENCE_BY_NAME, SizeBand
from tandem.people.selectors import FREE_MAIL_DOMAINS

SENIOR_WORDS = (
    "chief", "ceo", "cfo", "cto", "coo", "cio", "cmo", "vp", "svp", "evp", "vice president",
    "president", "head", "director", "founder", "co-founder", "managing partner",
    "owner-operator",
)  # fmt: skip
MANAGER_WORDS = ("manager", "lead", "leader", "principal", "supervisor")


def words_regex(words: Iterable[str], *, vendor: str = "python") -> str:
    """A case-insensitive whole-word pattern; PostgreSQL spells a word boundary ``\\y``."""
    alternatives = "|".join(re.escape(w.lower()).replace("\\-", "-") for w in words)
    boundary = r"\y" if vendor == "postgresql" else r"\b"
    return f"{boundary}({alternatives}){boundary}"


# Whole words only: "Product Owner" and "Partner Manager" are not executives.
SENIOR_TITLE = re.compile(words_regex(SENIOR_WORDS))
MANAGER_TITLE = re.compile(words_regex(MANAGER_WORDS))


@dataclass(frozen=True)
class Rule:
    """One ICP rule as scoring reads it (an ``IcpRule`` row or a default)."""

    kind: str
    field: str
    points: int
    label: str
    values: tuple[str, ...] = ()

    @property
    def is_account_rule(self) -> bool:
        return self.field.startswith("account.")


DEFAULT_RULES = (
    Rule("title_words", "contact.title", 15, "senior title", SENIOR_WORDS),
    Rule("title_words", "contact.title", 8, "manager title", MANAGER_WORDS),
    Rule("business_email", "contact.email", 10, "business email address"),
    Rule("profile_known", "account.profile", 5, "company profile known"),
)


# --- Rule types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleType:
    """A registered kind of ICP rule: the fields it may read, a test of one record, and the
    same test as a query expression on the model the field belongs to."""

    name: str
    fields: tuple[str, ...]
    needs_values: bool
    matches: Callable[[Rule, Any], bool]
    query: Callable[[Rule, str], Q]
    detail: Callable[[Rule, Any], str]
    # For types whose fields are the company's own (custom fields): the problems of a rule's
    # field and values, by form field, in place of the fixed ``fields``.
    check: Callable[[str, Sequence[str]], dict[str, str]] | None = None


RULE_TYPES: dict[str, RuleType] = {}


def rule_type(
    name: str,
    *,
    fields: tuple[str, ...],
    needs_values: bool,
    query: Callable[[Rule, str], Q],
    detail: Callable[[Rule, Any], str] = lambda rule, record: "",
    check: Callable[[str, Sequence[str]], dict[str, str]] | None = None,
):
    """Register a rule type; ``detail`` adds the matched value to the reason shown."""

    def register(func: Callable[[Rule, Any], bool]) -> Callable:
        RULE_TYPES[name] = RuleType(name, fields, needs_values, func, query, detail, check)
        return func

    return register


# Titles are matched word by word on a padded, lower-cased copy with commas and slashes made
# spaces ("VP, Sales", "Sales/Marketing Lead"), the same way in Python and
# in SQL (a substring search: no regular expression per row).
TITLE_PUNCTUATION = ",/"


def padded_title(title: str) -> str:
    text = title.lower()
    for mark in TITLE_PUNCTUATION:
        text = text.replace(mark, " ")
    return f" {text} "


def _padded_title_sql() -> str:
    sql = "lower(title)"
    for mark in TITLE_PUNCTUATION:
        sql = f"replace({sql}, '{mark}', ' ')"
    return f"(' ' || {sql} || ' ')"


def _title_q(rule: Rule, vendor: str) -> Any:
    words = [w.lower().strip() for w in rule.values if w.strip()]
    padded = _padded_title_sql()
    # PostgreSQL spells SQLite's instr(haystack, needle) strpos.
    find = "strpos" if vendor == "postgresql" else "instr"
    sql = " OR ".join(f"{find}({padded}, %s) > 0" for _ in words)
    # Only placeholders are formatted in; the words go as parameters.
    return RawSQL(f"({sql})", [f" {w} " for w in words], output_field=BooleanField())  # noqa: S611


@rule_type(
    "title_words",
    fields=("contact.title",),
    needs_values=True,
    query=_title_q,
    detail=lambda rule, contact: f" ({contact.title})",
)
def _title_words(rule: Rule, contact) -> bool:
    padded = padded_title(contact.title)
    return any(f" {w.lower().strip()} " in padded for w in rule.values if w.strip())


def _business_email_q(rule: Rule, vendor: str) -> Any:
    domain = (
        "split_part(email, '@', 2)"
        if vendor == "postgresql"
        else "substr(email, instr(email, '@') + 1)"
    )
    domains = sorted(FREE_MAIL_DOMAINS)
    marks = ", ".join("%s" for _ in domains)
    # Only placeholders are formatted in; the domains go as parameters.
    return RawSQL(f"({domain} NOT IN ({marks}))", domains, output_field=BooleanField())  # noqa: S611


@rule_type("business_email", fields=("contact.email",), needs_values=False, query=_business_email_q)
def _business_email(rule: Rule, contact) -> bool:
    return contact.email.split("@")[-1] not in FREE_MAIL_DOMAINS


def _audience_mask(values: Sequence[str]) -> int:
    mask = 0
    for name in values:
        mask |= AUDIENCE_BY_NAME[name.lower()].value
    return mask


@rule_type(
    "audience",
    fields=("contact.audience",),
    needs_values=True,
    query=lambda rule, vendor: Q(
        audience_flags__in=[f for f in range(256) if f & _audience_mask(rule.values)]
    ),
)
def _audience(rule: Rule, contact) -> bool:
    return bool(contact.audience_flags & _audience_mask(rule.values))


ACCOUNT_FIELDS = ("account.industry", "account.size_band", "account.region")


@rule_type(
    "field_in",
    fields=ACCOUNT_FIELDS,
    needs_values=True,
    query=lambda rule, vendor: Q(**{f"{rule.field.split('.')[1]}__in": list(rule.values)}),
)
def _field_in(rule: Rule, account) -> bool:
    return getattr(account, rule.field.split(".")[1]) in rule.values


@rule_type(
    "profile_known",
    fields=("account.profile",),
    needs_values=False,
    query=lambda rule, vendor: ~Q(industry="") & ~Q(size_band=""),
    detail=lambda rule, account: f" ({account.industry}, {account.size_band})",
)
def _profile_known(rule: Rule, account) -> bool:
    return bool(account.industry and account.size_band)


KNOWN_VALUES: dict[str, Sequence[str]] = {
    "account.size_band": SizeBand.values,
    "contact.audience": list(AUDIENCE_BY_NAME),
}


def rule_problem(*, kind: str, field: str, values: Sequence[str]) -> dict[str, str]:
    """What is wrong with a rule, by form field; empty when it may be saved."""
    problems: dict[str, str] = {}
    rule_kind = RULE_TYPES.get(kind)
    if rule_kind is None:
        problems["kind"] = f"unknown rule type {kind!r}; use one of {', '.join(RULE_TYPES)}"
        return problems
    if rule_kind.check is not None:
        return rule_kind.check(field, values)
    if field not in rule_kind.fields:
        problems["field"] = (
            f"unknown field {field!r} for a {kind} rule; it reads {', '.join(rule_kind.fields)}"
        )
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        problems["values"] = "give a list of words or values"
    elif rule_kind.needs_values and not [v for v in values if v.strip()]:
        problems["values"] = "give at least one value to match"
    elif field in KNOWN_VALUES:
        known = {v.lower() for v in KNOWN_VALUES[field]}
        unknown = [v for v in values if v.lower() not in known]
        if unknown:
            problems["values"] = f"unknown value {unknown[0]!r}; use {', '.join(known)}"
    return problems


# --- Rules on custom fields ("contact.custom.plants", "account.custom.segment_code") --------

CUSTOM_MARK = ".custom."


def custom_field_of(field: str) -> CustomField | None:
    """The custom field a rule's ``field`` names, if it names one that exists."""
    entity, mark, key = field.partition(CUSTOM_MARK)
    if not mark or entity not in ("contact", "account"):
        return None
    return custom_fields_by_key(entity).get(key)


def _custom_one_of_q(rule: Rule, vendor: str) -> Q:
    field = custom_field_of(rule.field)
    if field is None:
        return Q(pk__in=[])  # the field is gone: the rule matches nobody, never everybody
    if field.kind == FieldKind.YES_NO:
        op = "is_yes" if yes_no_parse(rule.values[0]) else "is_no"
        return custom_filter_clean(field, op).q()
    if field.kind == FieldKind.CHOICE:
        return custom_filter_clean(field, "one_of", list(rule.values)).q()
    if field.kind == FieldKind.CHOICES:
        return custom_filter_clean(field, "any_of", list(rule.values)).q()
    q = Q(pk__in=[])
    for value in rule.values:
        q |= custom_filter_clean(field, "equals", value).q()
    return q


def _same(kept: Any, wanted: str) -> bool:
    if isinstance(kept, bool):
        return kept == yes_no_parse(wanted)
    if isinstance(kept, int | float):
        return number_parse(str(kept)) == number_parse(wanted)
    return str(kept).casefold() == wanted.strip().casefold()


def _custom_value(rule: Rule, record: Any) -> Any:
    return (getattr(record, "custom", None) or {}).get(rule.field.partition(CUSTOM_MARK)[2])


def _custom_check(field: str, values: Sequence[str], *, ranged: bool) -> dict[str, str]:
    custom = custom_field_of(field)
    if custom is None:
        return {"field": f"there is no custom field {field!r} (contact.custom.<key>)"}
    if ranged and custom.kind not in (*NUMERIC, FieldKind.DATE):
        return {"field": f"{custom.label} is not a number, money or date field"}
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        return {"values": "give a list of values"}
    if ranged and (len(values) != 2 or not any(v.strip() for v in values)):
        return {"values": "give the lowest and the highest value (one may be blank)"}
    if not ranged and not [v for v in values if v.strip()]:
        return {"values": "give at least one value to match"}
    ops: dict[str, str] = {FieldKind.CHOICE: "one_of", FieldKind.CHOICES: "any_of"}
    op = ops.get(custom.kind, "equals")
    for value in (v for v in values if v.strip()):
        try:
            if custom.kind == FieldKind.YES_NO:
                yes_no_parse(value)
            else:
                custom_filter_clean(custom, op, value)
        except ValueError as error:
            message = str(error.args[-1])
            return {"values": message if ": " in message else f"{custom.label}: {message}"}
    return {}


@rule_type(
    "custom_one_of",
    fields=(),
    needs_values=True,
    query=_custom_one_of_q,
    detail=lambda rule, record: f" ({_custom_value(rule, record)})",
    check=lambda field, values: _custom_check(field, values, ranged=False),
)
def _custom_one_of(rule: Rule, record) -> bool:
    kept = _custom_value(rule, record)
    if kept is None:
        return False
    kept_items = kept if isinstance(kept, list) else [kept]
    return any(_same(k, w) for k in kept_items for w in rule.values if w.strip())


def _custom_range_q(rule: Rule, vendor: str) -> Q:
    field = custom_field_of(rule.field)
    if field is None:
        return Q(pk__in=[])
    low, high = (v.strip() for v in rule.values)
    q = Q(custom_filter_clean(field, "is_not_empty").q())
    if low:
        q &= custom_filter_clean(field, "gte", low).q()
    if high:
        q &= custom_filter_clean(field, "lte", high).q()
    return q


@rule_type(
    "custom_range",
    fields=(),
    needs_values=True,
    query=_custom_range_q,
    detail=lambda rule, record: f" ({_custom_value(rule, record)})",
    check=lambda field, values: _custom_check(field, values, ranged=True),
)
def _custom_range(rule: Rule, record) -> bool:
    kept = _custom_value(rule, record)
    if kept is None or isinstance(kept, bool | list):
        return False
    low, high = (v.strip() for v in rule.values)
    is_date = isinstance(kept, str) and len(kept) == 10 and kept[4] == "-"
    value: Any = kept if is_date else number_parse(str(kept))
    if low and value < (date_parse(low).isoformat() if is_date else number_parse(low)):
        return False
    return not (high and value > (date_parse(high).isoformat() if is_date else number_parse(high)))
