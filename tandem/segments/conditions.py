"""The segment rule language: AND/OR groups of registered condition types.

A rule is JSON stored on ``Segment.rule``::

    {"match": "all", "conditions": [
        {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"},
        {"type": "behaviour", "action": "opened_email", "at_least": 2, "within_days": 30},
        {"match": "any", "conditions": [...]}
    ]}

Each condition type is a small class registered with ``@condition``: it declares its
parameters (the rule builder draws its inputs from them), checks a raw JSON condition and
returns a Django ``Q`` over ``people.Contact``. Every problem is an ``InvalidInput`` naming the
path of the bad part (``rule.conditions[2].days``); nothing that cannot be evaluated is ever
treated as "matches everyone".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    Expression,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IEndsWith,
    IExact,
    In,
    IStartsWith,
    Lookup,
)
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.people.lifecycle import Stage
from tandem.people.models import (
    AUDIENCE_BY_NAME,
    Account,
    AudienceType,
    Consent,
    ConsentChannel,
    Contact,
    SizeBand,
    Touch,
    TouchKind,
)

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_DAYS = 3650


class RuleError(InvalidInput):
    """A rule that cannot be evaluated; ``errors`` maps the path of each bad part to why."""


@dataclass
class Param:
    """One input of a condition type, as the rule builder shows it."""

    name: str
    label: str
    kind: str  # "choice", "choices" (several), "text", "int", "segment", "form", "campaign", "user"
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = True
    hint: str = ""
    # Shown only when another parameter has (or has not) one of these values.
    show_when: dict[str, list[str]] = field(default_factory=dict)
    hide_when: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "show_when": self.show_when,
            "hide_when": self.hide_when,
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "choices": [list(c) for c in self.choices],
            "required": self.required,
            "hint": self.hint,
        }


# What a condition's answer can depend on. A refresh told which of these changed evaluates only
# the segments whose rules read them (a touch cannot move a segment of field conditions).
INPUT_CONTACT = "contact"  # the contact's own columns: fields, score, stage, audience, owner
INPUT_ACCOUNT = "account"
INPUT_CONSENT = "consent"
INPUT_TOUCH = "touch"  # touches, and form submissions (each comes with its touch)
INPUTS = frozenset({INPUT_CONTACT, INPUT_ACCOUNT, INPUT_CONSENT, INPUT_TOUCH})


def input_static_list(segment_id: int) -> str:
    """The input "membership of static list N" (changed by adding or removing its members)."""
    return f"segment:{segment_id}"


class ContactSet(Expression):
    """The contacts an evaluation is restricted to, bound as ONE parameter (a JSON array on
    SQLite, an array on PostgreSQL), so the SQL is the same for one contact or five hundred and
    a statement stays far below the databases' limits on parameters."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(output_field=BigIntegerField())
        self.ids = list(ids)

    # The stubs type parameters as str | int; an array parameter is neither, so the override
    # is declared loosely on purpose.
    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if connection.vendor == "postgresql":
            return "(SELECT unnest(%s::bigint[]))", [self.ids]
        return "(SELECT value FROM json_each(%s))", [json.dumps(self.ids)]


@dataclass
class EvalContext:
    """What evaluation needs: the clock, an optional set of contacts to restrict subqueries to,
    and the segments already being expanded (so a cycle is an error, never a loop)."""

    now: dt.datetime = field(default_factory=timezone.now)
    # Set when evaluating for a few contacts (the incremental refresh): conditions read their
    # rows per contact (correlated to the contact row) rather than for everyone.
    contact_ids: list[int] | None = None
    expanding: tuple[int, ...] = ()


class Condition:
    """A registered condition type. Subclasses declare ``type``, ``label``, ``params`` and
    implement ``clean`` (raw JSON → checked values) and ``q`` (values → a Q over contacts)."""

    type: ClassVar[str]
    label: ClassVar[str]
    group: ClassVar[str] = "Contact"
    params: ClassVar[list[Param]]
    # Conditions whose answer changes with the clock alone (a 30-day window) need the sweep.
    time_relative: ClassVar[bool] = False

    def __init__(self, values: dict[str, Any], path: str):
        self.values = values
        self.path = path

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        raise NotImplementedError

    def q(self, ctx: EvalContext) -> Q:
        raise NotImplementedError

    # Which inputs (``INPUT_*``) the answer reads; most conditions read the contact's own row.
    reads: ClassVar[frozenset[str]] = frozenset({INPUT_CONTACT})

    def is_time_relative(self) -> bool:
        return self.time_relative

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        """What a change must touch for this condition's answer to move."""
        return self.reads

    def segment_refs(self) -> set[int]:
        return set()

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        return self.label

    @classmethod
    def spec(cls) -> dict[str, Any]:
        return {
            "type": cls.type,
            "label": cls.label,
            "group": cls.group,
            "params": [p.as_dict() for p in cls.params],
        }


CONDITIONS: dict[str, type[Condition]] = {}


def condition(cls: type[Condition]) -> type[Condition]:
    """Register a condition type under its ``type`` name."""
    if cls.type in CONDITIONS:
        raise ValueError(f"condition type {cls.type!r} is registered twice")
    CONDITIONS[cls.type] = cls
    return cls


# --- parameter checks ------------------------------------------------------------------------


def _bad(path: str, name: str, message: str) -> RuleError:
    return RuleError({f"{path}.{name}": message})


def _choice(raw: dict, path: str, name: str, choices: list[tuple[str, str]]) -> str:
    value = raw.get(name)
    allowed = [c[0] for c in choices]
    if value in (None, ""):
        raise _bad(path, name, f"choose one of {', '.join(allowed)}")
    if value not in allowed:
        raise _bad(path, name, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _choices(raw: dict, path: str, name: str, choices: list[tuple[str, str]]) -> list[str]:
    value = raw.get(name)
    if isinstance(value, str):
        value = [value]
    allowed = [c[0] for c in choices]
    if not isinstance(value, list) or not value:
        raise _bad(path, name, f"choose at least one of {', '.join(allowed)}")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise _bad(path, name, f"{unknown[0]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(str(v) for v in value))


def _int(
    raw: dict,
    path: str,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    required: bool = True,
) -> int | None:
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise _bad(path, name, "a whole number is required")
        return None
    if isinstance(value, bool):
        raise _bad(path, name, "must be a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _bad(path, name, f"{raw.get(name)!r} is not a whole number") from None
    if not isinstance(value, int):
        raise _bad(path, name, "must be a whole number")
    if minimum is not None and value < minimum:
        raise _bad(path, name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise _bad(path, name, f"must be at most {maximum}")
    return value


def _text(raw: dict, path: str, name: str, *, max_length: int = 200) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, name, "a value is required")
    if len(value) > max_length:
        raise _bad(path, name, f"must be at most {max_length} characters")
    return value.strip()


def _record(raw: dict, path: str, name: str, queryset: QuerySet, noun: str) -> int:
    pk = _int(raw, path, name, minimum=1)
    if not queryset.filter(pk=pk).exists():
        raise _bad(path, name, f"there is no {noun} {pk}")
    assert pk is not None
    return pk


# --- text fields -----------------------------------------------------------------------------

TEXT_OPS = [
    ("equals", "is"),
    ("not_equals", "is not"),
    ("contains", "contains"),
    ("not_contains", "does not contain"),
    ("starts_with", "starts with"),
    ("ends_with", "ends with"),
    ("is_empty", "is empty"),
    ("is_not_empty", "is not empty"),
]
VALUELESS_OPS = frozenset({"is_empty", "is_not_empty"})
TEXT_LOOKUPS = {
    "equals": "segment_iexact",
    "contains": "segment_icontains",
    "starts_with": "segment_istartswith",
    "ends_with": "segment_iendswith",
}


class _PlannedILike:
    """On PostgreSQL, ``column ILIKE pattern`` in place of Django's ``UPPER(column) = UPPER(v)``
    (and ``UPPER(column) LIKE UPPER(pattern)``). Same answer; but the planner estimates ILIKE
    from the column's statistics, while for ``UPPER(column)`` it has none and guesses 0.5 % of
    rows. For "industry is Manufacturing" (a fifth of all contacts) that guess chose nested
    loops that took seconds at a million contacts. Other databases keep Django's SQL."""

    django_name: ClassVar[str]

    def get_rhs_op(self, connection: Any, rhs: str) -> str:
        return connection.operators[self.django_name] % rhs

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = Lookup.process_lhs(self, compiler, connection)  # type: ignore[arg-type]
        rhs, rhs_params = self.process_rhs(compiler, connection)  # type: ignore[attr-defined]
        return f"{lhs}::text ILIKE {rhs}", [*lhs_params, *rhs_params]


class _EqualsIgnoringCase(_PlannedILike, IExact):
    lookup_name = "segment_iexact"
    django_name = "iexact"


class _ContainsIgnoringCase(_PlannedILike, IContains):
    lookup_name = "segment_icontains"
    django_name = "icontains"


class _StartsWithIgnoringCase(_PlannedILike, IStartsWith):
    lookup_name = "segment_istartswith"
    django_name = "istartswith"


class _EndsWithIgnoringCase(_PlannedILike, IEndsWith):
    lookup_name = "segment_iendswith"
    django_name = "iendswith"


_TEXT_LOOKUP_TYPES = (
    _EqualsIgnoringCase,
    _ContainsIgnoringCase,
    _StartsWithIgnoringCase,
    _EndsWithIgnoringCase,
)


def _text_lookups_register(model: Any, names: list[str]) -> None:
    """Register the lookups on these fields only (not on every CharField of the project)."""
    for name in names:
        text_field = model._meta.get_field(name)
        for lookup in _TEXT_LOOKUP_TYPES:
            text_field.register_lookup(lookup)


def _text_q(column: str, op: str, value: str, *, nullable: bool) -> Q:
    if op == "is_empty":
        empty = Q(**{column: ""})
        return empty | Q(**{f"{column}__isnull": True}) if nullable else empty
    if op == "is_not_empty":
        return ~_text_q(column, "is_empty", "", nullable=nullable)
    if op.startswith("not_"):
        return ~_text_q(column, op.removeprefix("not_"), value, nullable=nullable)
    return Q(**{f"{column}__{TEXT_LOOKUPS[op]}": value})


class _TextField(Condition):
    field_choices: ClassVar[list[tuple[str, str]]]
    prefix: ClassVar[str] = ""
    nullable: ClassVar[bool] = False

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        values = {
            "field": _choice(raw, path, "field", cls.field_choices),
            "op": _choice(raw, path, "op", TEXT_OPS),
        }
        values["value"] = "" if values["op"] in VALUELESS_OPS else _text(raw, path, "value")
        return values

    def q(self, ctx: EvalContext) -> Q:
        v = self.values
        return _text_q(self.prefix + v["field"], v["op"], v["value"], nullable=self.nullable)

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        v = self.values
        field_label = dict(self.field_choices)[v["field"]]
        op_label = dict(TEXT_OPS)[v["op"]]
        return f"{field_label} {op_label}" + (f" “{v['value']}”" if v["value"] else "")


@condition
class ContactField(_TextField):
    type = "contact_field"
    label = "Contact field"
    field_choices = [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "Email"),
        ("title", "Job title"),
        ("phone", "Phone"),
    ]
    params = [
        Param("field", "Field", "choice", field_choices),
        Param("op", "Operator", "choice", TEXT_OPS),
        Param("value", "Value", "text", required=False, hide_when={"op": sorted(VALUELESS_OPS)}),
    ]


_text_lookups_register(Contact, [name for name, _ in ContactField.field_choices])


@condition
class AccountField(_TextField):
    type = "account_field"
    label = "Account field"
    group = "Account"
    prefix = "account__"
    # A contact moving to another account is a change of the contact's own row.
    reads = frozenset({INPUT_ACCOUNT, INPUT_CONTACT})
    # A contact without an account has every account field empty.
    nullable = True
    field_choices = [
        ("name", "Account name"),
        ("domain", "Domain"),
        ("industry", "Industry"),
        ("size_band", "Size band"),
        ("region", "Region"),
    ]
    params = [
        Param("field", "Field", "choice", field_choices),
        Param("op", "Operator", "choice", TEXT_OPS),
        Param(
            "value",
            "Value",
            "text",
            required=False,
            hint=f"size bands: {', '.join(SizeBand.values)}",
            hide_when={"op": sorted(VALUELESS_OPS)},
        ),
    ]


_text_lookups_register(Account, [name for name, _ in AccountField.field_choices])


# --- audience, lifecycle, score, consent, owner -----------------------------------------------

AUDIENCE_CHOICES = [(a.name.lower(), a.label) for a in AudienceType]
AUDIENCE_OPS = [("any_of", "is any of"), ("all_of", "is all of"), ("none_of", "is none of")]


@condition
class Audience(Condition):
    type = "audience"
    label = "Audience type"
    params = [
        Param("op", "Operator", "choice", AUDIENCE_OPS),
        Param("values", "Audience types", "choices", AUDIENCE_CHOICES),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        return {
            "op": _choice(raw, path, "op", AUDIENCE_OPS),
            "values": _choices(raw, path, "values", AUDIENCE_CHOICES),
        }

    def q(self, ctx: EvalContext) -> Q:
        mask = 0
        for name in self.values["values"]:
            mask |= AUDIENCE_BY_NAME[name].value
        flags = F("audience_flags").bitand(mask)
        if self.values["op"] == "any_of":
            return Q(GreaterThan(flags, 0))
        if self.values["op"] == "all_of":
            return Q(Exact(flags, mask))
        return Q(Exact(flags, 0))

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        labels = ", ".join(AUDIENCE_BY_NAME[n].label for n in self.values["values"])
        return f"Audience {dict(AUDIENCE_OPS)[self.values['op']]} {labels}"


SET_OPS = [("in", "is any of"), ("not_in", "is none of")]


@condition
class LifecycleStage(Condition):
    type = "lifecycle_stage"
    label = "Lifecycle stage"
    params = [
        Param("op", "Operator", "choice", SET_OPS),
        Param("values", "Stages", "choices", list(Stage.choices)),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        return {
            "op": _choice(raw, path, "op", SET_OPS),
            "values": _choices(raw, path, "values", list(Stage.choices)),
        }

    def q(self, ctx: EvalContext) -> Q:
        q = Q(lifecycle_stage__in=self.values["values"])
        return q if self.values["op"] == "in" else ~q

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        labels = ", ".join(Stage(s).label for s in self.values["values"])
        return f"Lifecycle stage {dict(SET_OPS)[self.values['op']]} {labels}"


NUMBER_OPS = [
    ("gte", "at least"),
    ("lte", "at most"),
    ("gt", "more than"),
    ("lt", "less than"),
    ("eq", "exactly"),
    ("between", "between"),
]


@condition
class Score(Condition):
    type = "score"
    label = "Score"
    params = [
        Param("op", "Operator", "choice", NUMBER_OPS),
        Param("value", "Score", "int"),
        Param("value2", "and", "int", required=False, show_when={"op": ["between"]}),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        op = _choice(raw, path, "op", NUMBER_OPS)
        values: dict[str, Any] = {"op": op, "value": _int(raw, path, "value", minimum=-10_000)}
        if op == "between":
            upper = _int(raw, path, "value2", minimum=-10_000)
            assert upper is not None
            if upper < values["value"]:
                raise _bad(path, "value2", "must not be below the lower bound")
            values["value2"] = upper
        return values

    def q(self, ctx: EvalContext) -> Q:
        v = self.values
        if v["op"] == "between":
            return Q(score__gte=v["value"], score__lte=v["value2"])
        lookup = "exact" if v["op"] == "eq" else v["op"]
        return Q(**{f"score__{lookup}": v["value"]})

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        v = self.values
        if v["op"] == "between":
            return f"Score between {v['value']} and {v['value2']}"
        return f"Score {dict(NUMBER_OPS)[v['op']]} {v['value']}"


CONSENT_STATES = [
    ("granted", "has granted"),
    ("not_granted", "has not granted"),
    ("refused", "has refused"),
    ("unknown", "has never answered"),
]


@condition
class ConsentState(Condition):
    type = "consent"
    label = "Consent"
    reads = frozenset({INPUT_CONSENT})
    params = [
        Param("channel", "Channel", "choice", list(ConsentChannel.choices)),
        Param("state", "State", "choice", CONSENT_STATES),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        return {
            "channel": _choice(raw, path, "channel", list(ConsentChannel.choices)),
            "state": _choice(raw, path, "state", CONSENT_STATES),
        }

    def q(self, ctx: EvalContext) -> Q:
        state = self.values["state"]
        consents = Consent.objects.filter(contact=OuterRef("pk"), channel=self.values["channel"])
        if state == "granted":
            return Q(Exists(consents.filter(is_granted=True)))
        if state == "not_granted":
            return ~Q(Exists(consents.filter(is_granted=True)))
        if state == "refused":
            return Q(Exists(consents.filter(is_granted=False)))
        return ~Q(Exists(consents))

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        state = dict(CONSENT_STATES)[self.values["state"]]
        return f"{state.capitalize()} {ConsentChannel(self.values['channel']).label} consent"


OWNER_OPS = [
    ("is", "is any of"),
    ("is_not", "is none of"),
    ("is_empty", "is nobody"),
    ("is_not_empty", "is somebody"),
]


@condition
class Owner(Condition):
    type = "owner"
    label = "Owner"
    params = [
        Param("op", "Operator", "choice", OWNER_OPS),
        Param("users", "People", "user", required=False, show_when={"op": ["is", "is_not"]}),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        from django.contrib.auth import get_user_model

        op = _choice(raw, path, "op", OWNER_OPS)
        if op in VALUELESS_OPS:
            return {"op": op, "users": []}
        users = raw.get("users")
        if isinstance(users, int | str):
            users = [users]
        if not isinstance(users, list) or not users:
            raise _bad(path, "users", "choose at least one person")
        ids: list[int] = []
        for n, user in enumerate(users):
            pk = _int({"u": user}, f"{path}.users[{n}]", "u", minimum=1)
            assert pk is not None  # required
            ids.append(pk)
        found = set(get_user_model().objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise _bad(path, "users", f"there is no user {missing[0]}")
        return {"op": op, "users": sorted(set(ids))}

    def q(self, ctx: EvalContext) -> Q:
        op = self.values["op"]
        if op == "is_empty":
            return Q(owner__isnull=True)
        if op == "is_not_empty":
            return Q(owner__isnull=False)
        q = Q(owner_id__in=self.values["users"])
        # "None of these people" includes contacts nobody owns.
        return q if op == "is" else ~q | Q(owner__isnull=True)

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        count = len(self.values["users"])
        return f"Owner {dict(OWNER_OPS)[self.values['op']]}" + (f" ({count})" if count else "")


# --- behaviour -------------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "opened_email": ("opened an email", (TouchKind.EMAIL_OPEN,)),
    "clicked_email": ("clicked an email", (TouchKind.EMAIL_CLICK,)),
    "visited_page": ("visited a page", (TouchKind.PAGE_VISIT,)),
    "submitted_form": ("submitted a form", (TouchKind.FORM_SUBMISSION,)),
    "attended_event": ("attended an event", (TouchKind.EVENT,)),
    "had_meeting": ("had a meeting", (TouchKind.MEETING,)),
    "had_call": ("had a call", (TouchKind.CALL,)),
    "any_touch": ("had any touch", tuple(TouchKind.values)),
}
ACTION_CHOICES = [(k, v[0]) for k, v in ACTIONS.items()]


@condition
class Behaviour(Condition):
    """“Opened / clicked / visited / submitted form X / attended event Y, at least N times within
    the last D days”, read from ``people.Touch`` (and the form's submissions for a named form)."""

    type = "behaviour"
    label = "Behaviour"
    group = "Behaviour"
    reads = frozenset({INPUT_TOUCH})
    params = [
        Param("action", "Did", "choice", ACTION_CHOICES),
        Param("form", "Form", "form", required=False, show_when={"action": ["submitted_form"]}),
        Param("campaign", "Campaign or event", "campaign", required=False),
        Param("at_least", "At least (times)", "int", required=False, hint="1 if blank"),
        Param("within_days", "Within the last (days)", "int", required=False, hint="ever if blank"),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        from tandem.marketing.models import Campaign, LeadForm

        action = _choice(raw, path, "action", ACTION_CHOICES)
        values: dict[str, Any] = {"action": action}
        if raw.get("form") not in (None, ""):
            if action != "submitted_form":
                raise _bad(path, "form", "a form applies only to “submitted a form”")
            values["form"] = _record(raw, path, "form", LeadForm.objects.all(), "form")
        if raw.get("campaign") not in (None, ""):
            values["campaign"] = _record(raw, path, "campaign", Campaign.objects.all(), "campaign")
        values["at_least"] = (
            _int(raw, path, "at_least", minimum=1, maximum=10_000, required=False) or 1
        )
        values["within_days"] = _int(
            raw, path, "within_days", minimum=1, maximum=MAX_DAYS, required=False
        )
        return values

    def is_time_relative(self) -> bool:
        return self.values["within_days"] is not None

    def happenings(self, ctx: EvalContext) -> QuerySet:
        """The matching touches (or form submissions), as rows with a ``contact_id``."""
        v = self.values
        since = ctx.now - dt.timedelta(days=v["within_days"]) if v["within_days"] else None
        per_contact = ctx.contact_ids is not None

        def column(name: str) -> Any:
            # Per contact, the contact's index must drive the lookup; see ``_NotAnIndexKey``.
            return _NotAnIndexKey(F(name)) if per_contact else F(name)

        if v.get("form"):
            from tandem.marketing.models import FormSubmission

            rows: QuerySet = FormSubmission.objects.filter(Exact(column("form_id"), v["form"]))
            time_field = "submitted_at"
            if v.get("campaign"):
                rows = rows.filter(touch__campaign_id=v["campaign"])
        else:
            kinds = ACTIONS[v["action"]][1]
            if v["action"] == "any_touch":
                # Every touch has one of the kinds; no filter lets the index on
                # (contact, occurred_at) or the time alone answer.
                rows = Touch.objects.all()
            elif len(kinds) > 1:
                rows = Touch.objects.filter(In(column("kind"), list(kinds)))
            else:
                rows = Touch.objects.filter(Exact(column("kind"), kinds[0]))
            time_field = "occurred_at"
            if v.get("campaign"):
                rows = rows.filter(Exact(column("campaign_id"), v["campaign"]))
        if since is not None:
            rows = rows.filter(**{f"{time_field}__gte": since})
        if per_contact:
            # Evaluated for a few contacts: a subquery per contact row, read through the
            # index on (contact, occurred_at) — far less for PostgreSQL to plan than a join.
            rows = rows.filter(contact_id=OuterRef("pk"))
        return rows.order_by()

    def q(self, ctx: EvalContext) -> Q:
        rows = self.happenings(ctx)
        if ctx.contact_ids is not None:
            if self.values["at_least"] == 1:
                return Q(Exists(rows))
            times = rows.values("contact_id").annotate(times=Count("pk")).values("times")
            return Q(GreaterThanOrEqual(Subquery(times), self.values["at_least"]))
        if self.values["at_least"] > 1:
            rows = (
                rows.values("contact_id")
                .annotate(times=Count("pk"))
                .filter(times__gte=self.values["at_least"])
            )
        return Q(pk__in=rows.values("contact_id"))

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        v = self.values
        text: str = dict(ACTION_CHOICES)[v["action"]]
        if v.get("form"):
            text = f"submitted the form “{(names or {}).get(('form', v['form']), v['form'])}”"
        if v.get("campaign"):
            text += f" for “{(names or {}).get(('campaign', v['campaign']), v['campaign'])}”"
        if v["at_least"] > 1:
            text += f" at least {v['at_least']} times"
        text += f" in the last {v['within_days']} days" if v["within_days"] else " ever"
        return text[0].upper() + text[1:]


class _NotAnIndexKey(Func):
    """The column's value, written so that SQLite will not look it up through an index
    (``+column``). Evaluating one contact, the index on (contact, occurred_at) finds its
    touches; without statistics SQLite may instead range over (kind, occurred_at) — every
    email opened in 90 days — once per segment. Other databases choose by their statistics."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


# --- membership of another segment -----------------------------------------------------------

MEMBER_OPS = [("in", "is in"), ("not_in", "is not in")]


@condition
class SegmentMembership(Condition):
    """In (or not in) another segment. A dynamic segment is expanded to its own rule, so the
    answer is always what that rule says now; a static list is read from its members."""

    type = "segment"
    label = "Segment membership"
    group = "Segment"
    params = [
        Param("op", "Operator", "choice", MEMBER_OPS),
        Param("segment", "Segment", "segment"),
    ]

    @classmethod
    def clean(cls, raw: dict[str, Any], path: str) -> dict[str, Any]:
        from tandem.segments.models import Segment

        return {
            "op": _choice(raw, path, "op", MEMBER_OPS),
            "segment": _record(raw, path, "segment", Segment.objects.all(), "segment"),
        }

    def segment_refs(self) -> set[int]:
        return {self.values["segment"]}

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        from tandem.segments.models import Segment

        target_id = self.values["segment"]
        target = Segment.objects.filter(pk=target_id).only("kind", "rule").first()
        if target is None or target_id in expanding:
            return INPUTS  # cannot be evaluated anyway; never skipped by mistake
        if target.kind == Segment.Kind.STATIC:
            return frozenset({input_static_list(target_id)})
        try:
            return parse_rule(target.rule).inputs((*expanding, target_id))
        except InvalidInput:
            return INPUTS

    def q(self, ctx: EvalContext) -> Q:
        from tandem.segments.models import Segment, SegmentMember

        target_id = self.values["segment"]
        if target_id in ctx.expanding:
            raise _bad(self.path, "segment", "segments may not include each other in a circle")
        target = Segment.objects.filter(pk=target_id).only("kind", "rule", "name").first()
        if target is None:
            raise _bad(self.path, "segment", f"segment {target_id} no longer exists")
        if target.kind == Segment.Kind.STATIC:
            members = SegmentMember.objects.filter(segment_id=target_id)
            if ctx.contact_ids is not None:
                q = Q(Exists(members.filter(contact_id=OuterRef("pk"))))
            else:
                q = Q(pk__in=members.values("contact_id"))
        else:
            inner = EvalContext(
                now=ctx.now, contact_ids=ctx.contact_ids, expanding=(*ctx.expanding, target_id)
            )
            try:
                q = parse_rule(target.rule).q(inner)
            except InvalidInput as exc:
                message = "; ".join(exc.errors.values())
                raise _bad(
                    self.path, "segment", f"segment “{target.name}” cannot be evaluated: {message}"
                ) from None
        return q if self.values["op"] == "in" else ~q

    def describe(self, names: dict[tuple[str, int], str] | None = None) -> str:
        return (
            f"{dict(MEMBER_OPS)[self.values['op']].capitalize()} segment #{self.values['segment']}"
        )


# --- groups ----------------------------------------------------------------------------------

MATCHES = [("all", "all of"), ("any", "any of")]


@dataclass
class Group:
    """AND (``all``) or OR (``any``) of conditions and groups."""

    match: str
    children: list[Group | Condition]
    path: str

    def q(self, ctx: EvalContext) -> Q:
        q = Q()
        for child in self.children:
            child_q = child.q(ctx)
            q = (q & child_q) if self.match == "all" else (q | child_q)
        return q

    def walk(self):
        for child in self.children:
            if isinstance(child, Group):
                yield from child.walk()
            else:
                yield child

    def is_time_relative(self) -> bool:
        return any(c.is_time_relative() for c in self.walk())

    def inputs(self, expanding: tuple[int, ...] = ()) -> frozenset[str]:
        """Every input (``INPUT_*``, ``input_static_list``) some condition of the rule reads."""
        found: frozenset[str] = frozenset()
        for c in self.walk():
            found |= c.inputs(expanding)
        return found

    def segment_refs(self) -> set[int]:
        refs: set[int] = set()
        for c in self.walk():
            refs |= c.segment_refs()
        return refs


def parse_rule(raw: Any, path: str = "rule", depth: int = 1) -> Group:
    """The rule checked and built, or ``RuleError`` naming the path of the first bad part."""
    if not isinstance(raw, dict):
        raise RuleError({path: "a rule is an object with “match” and “conditions”"})
    match = raw.get("match", "all")
    if match not in ("all", "any"):
        raise RuleError({f"{path}.match": "use “all” or “any”"})
    items = raw.get("conditions")
    if not isinstance(items, list) or not items:
        raise RuleError({f"{path}.conditions": "add at least one condition"})
    if len(items) > MAX_CONDITIONS:
        raise RuleError({f"{path}.conditions": f"at most {MAX_CONDITIONS} conditions per group"})
    children: list[Group | Condition] = []
    for n, item in enumerate(items):
        item_path = f"{path}.conditions[{n}]"
        if isinstance(item, dict) and "conditions" in item:
            if depth >= MAX_DEPTH:
                raise RuleError({item_path: f"groups nest at most {MAX_DEPTH} deep"})
            children.append(parse_rule(item, item_path, depth + 1))
            continue
        if not isinstance(item, dict):
            raise RuleError({item_path: "a condition is an object with a “type”"})
        kind = item.get("type")
        if kind not in CONDITIONS:
            known = ", ".join(sorted(CONDITIONS))
            message = f"unknown condition type {kind!r}; use one of {known}"
            raise RuleError({f"{item_path}.type": message if kind else f"choose a type: {known}"})
        cls = CONDITIONS[kind]
        children.append(cls(cls.clean(item, item_path), item_path))
    return Group(match=match, children=children, path=path)


def rule_normalise(raw: Any) -> dict[str, Any]:
    """The rule as stored: checked, with each condition's values in their clean form."""

    def dump(group: Group) -> dict[str, Any]:
        return {
            "match": group.match,
            "conditions": [
                dump(c) if isinstance(c, Group) else {"type": c.type, **c.values}
                for c in group.children
            ],
        }

    return dump(parse_rule(raw))


def rule_q(raw: Any, ctx: EvalContext | None = None) -> Q:
    """The rule as a Q over contacts (``RuleError`` if it cannot be evaluated)."""
    return parse_rule(raw).q(ctx or EvalContext())


def matching_contacts(raw: Any, ctx: EvalContext | None = None) -> QuerySet[Contact]:
    return Contact.objects.filter(rule_q(raw, ctx)).order_by()


def as_flag(q: Q) -> Any:
    """A Q as a boolean column (NULL counts as no, as it does in WHERE)."""
    from django.db.models import Case, When

    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def catalogue() -> list[dict[str, Any]]:
    """Every condition type with its parameters, for the rule builder."""
    return [cls.spec() for cls in CONDITIONS.values()]


def rule_describe(raw: Any) -> list[tuple[int, str]]:
    """The rule in words, one (depth, line) per group and condition."""
    from tandem.marketing.models import Campaign, LeadForm
    from tandem.segments.models import Segment

    group = parse_rule(raw)
    names: dict[tuple[str, int], str] = {}
    names.update({("segment", pk): n for pk, n in Segment.objects.values_list("pk", "name")})
    names.update({("form", pk): n for pk, n in LeadForm.objects.values_list("pk", "name")})
    names.update({("campaign", pk): n for pk, n in Campaign.objects.values_list("pk", "name")})
    lines: list[tuple[int, str]] = []

    def walk(g: Group, depth: int) -> None:
        lines.append((depth, "All of these:" if g.match == "all" else "Any of these:"))
        for child in g.children:
            if isinstance(child, Group):
                walk(child, depth + 1)
            else:
                lines.append((depth + 1, child.describe(names)))

    walk(group, 0)
    return lines
