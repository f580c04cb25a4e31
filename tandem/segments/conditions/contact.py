"""Conditions on who the contact is: audience, lifecycle stage, score, consent and owner."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import Exact, GreaterThan

from tandem.people.hooks import INPUT_CONSENT
from tandem.people.lifecycle import Stage
from tandem.people.models import AUDIENCE_BY_NAME, AudienceType, Consent, ConsentChannel
from tandem.segments.conditions.base import Condition, EvalContext, Param, condition
from tandem.segments.conditions.params import (
    choice_clean,
    choices_clean,
    int_clean,
    param_error,
)
from tandem.segments.conditions.text import VALUELESS_OPS

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
            "op": choice_clean(raw, path, "op", AUDIENCE_OPS),
            "values": choices_clean(raw, path, "values", AUDIENCE_CHOICES),
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
            "op": choice_clean(raw, path, "op", SET_OPS),
            "values": choices_clean(raw, path, "values", list(Stage.choices)),
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
        op = choice_clean(raw, path, "op", NUMBER_OPS)
        values: dict[str, Any] = {"op": op, "value": int_clean(raw, path, "value", minimum=-10_000)}
        if op == "between":
            upper = int_clean(raw, path, "value2", minimum=-10_000)
            assert upper is not None
            if upper < values["value"]:
                raise param_error(path, "value2", "must not be below the lower bound")
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
            "channel": choice_clean(raw, path, "channel", list(ConsentChannel.choices)),
            "state": choice_clean(raw, path, "state", CONSENT_STATES),
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
        op = choice_clean(raw, path, "op", OWNER_OPS)
        if op in VALUELESS_OPS:
            return {"op": op, "users": []}
        users = raw.get("users")
        if isinstance(users, int | str):
            users = [users]
        if not isinstance(users, list) or not users:
            raise param_error(path, "users", "choose at least one person")
        ids: list[int] = []
        for n, user in enumerate(users):
            pk = int_clean({"u": user}, f"{path}.users[{n}]", "u", minimum=1)
            assert pk is not None  # required
            ids.append(pk)
        found = set(get_user_model().objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise param_error(path, "users", f"there is no user {missing[0]}")
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
