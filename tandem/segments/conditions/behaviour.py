"""Behaviour: "did X at least N times in the last D days", read from touches.

A named form's submissions are read where marketing keeps them: marketing registers them
(``form_submissions_register``), as it registers its forms and campaigns as references, so
segments never imports marketing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact, GreaterThanOrEqual, In

from tandem.people.hooks import INPUT_TOUCH
from tandem.people.models import Touch, TouchKind
from tandem.segments.conditions.base import MAX_DAYS, Condition, EvalContext, Param, condition
from tandem.segments.conditions.params import choice_clean, int_clean, param_error, record_clean

# The submissions of one form (``form_id``), optionally only those whose touch credits
# ``campaign_id``, as rows with a ``contact_id``; ``column(name)`` wraps a column the filter
# compares (see ``_NotAnIndexKey``). Returns the rows and the name of their time column.
FormSubmissionsSource = Callable[[int, int | None, Callable[[str], Any]], tuple[QuerySet, str]]
_form_submissions: list[FormSubmissionsSource] = []


def form_submissions_register(source: FormSubmissionsSource) -> None:
    """Where a named form's submissions are read (marketing's; registering again replaces)."""
    _form_submissions[:] = [source]


def _form_submission_rows(
    form_id: int, campaign_id: int | None, column: Callable[[str], Any]
) -> tuple[QuerySet, str]:
    if not _form_submissions:
        raise LookupError("no app has registered where form submissions are read")
    return _form_submissions[0](form_id, campaign_id, column)


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
        action = choice_clean(raw, path, "action", ACTION_CHOICES)
        values: dict[str, Any] = {"action": action}
        if raw.get("form") not in (None, ""):
            if action != "submitted_form":
                raise param_error(path, "form", "a form applies only to “submitted a form”")
            values["form"] = record_clean(raw, path, "form", "form")
        if raw.get("campaign") not in (None, ""):
            values["campaign"] = record_clean(raw, path, "campaign", "campaign")
        values["at_least"] = (
            int_clean(raw, path, "at_least", minimum=1, maximum=10_000, required=False) or 1
        )
        values["within_days"] = int_clean(
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

        rows: QuerySet
        if v.get("form"):
            rows, time_field = _form_submission_rows(v["form"], v.get("campaign"), column)
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
