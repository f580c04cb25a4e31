"""What the erase does to each table that points at a contact, and where else it searches.

``ERASERS`` names every model with a foreign key to ``people.Contact``, each with what happens
to the rows of the erased person: deleted, or kept (so counts, deals and revenue stay) with
the columns that could say who they were blanked or searched for their identifiers. A model
with a key to a contact missing here is caught by ``tests/privacy/test_coverage.py``: a table
added later is never silently forgotten.

``SEARCHED`` are the columns where someone may have written the person's name or address
without any key to the contact: comments, notifications, webhook bodies, queued tasks'
arguments, import problems and records, the audit trail, the admin's log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.db import models
from django_tasks_db.models import DBTaskResult

from tandem.audit.models import AuditEntry
from tandem.collaboration.models import Comment, Notification, SurveyAnswer
from tandem.imports.models import ImportJob, ImportProblem, ImportRecord
from tandem.mailing.models import EmailClick, EmailRecipient
from tandem.marketing.models import FormSubmission, Visit
from tandem.privacy.scrub import Identifiers, rows_scrub
from tandem.sales.models import Deal
from tandem.webhooks.models import Delivery


@dataclass(frozen=True)
class Eraser:
    """What the erase does to one table's rows about the person (``why`` is for people)."""

    action: Callable[[models.QuerySet, Identifiers], None]
    why: str


def _delete(rows: models.QuerySet, _: Identifiers) -> None:
    rows.delete()


def _blank(*columns: str, scrub: tuple[str, ...] = ()) -> Callable[..., None]:
    """Blank ``columns`` (their empty value) and replace identifiers in ``scrub``."""

    def action(rows: models.QuerySet, who: Identifiers) -> None:
        model = rows.model
        empty = {c: _empty(model._meta.get_field(c)) for c in columns}
        if empty:
            rows.update(**empty)
        if scrub:
            rows_scrub(rows, who, columns=scrub, linked=True, search=False)

    return action


def _empty(field: models.Field) -> object:
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return field.get_default()
    return ""


def _touches(rows: models.QuerySet, who: Identifiers) -> None:
    rows.update(summary="", referrer="", client_id=None)


def _visits(rows: models.QuerySet, who: Identifiers) -> None:
    # The visitor id joined them to their browsing: their unjoined visits under it go, the
    # joined ones (touches, counted) keep their page and time but lose the id.
    vids = set(rows.values_list("visitor_id", flat=True)) - {""}
    Visit.objects.filter(visitor_id__in=vids, contact__isnull=True).delete()
    rows.update(visitor_id="")
    rows_scrub(rows, who, columns=["url", "referrer"], linked=True, search=False)


def _submissions(rows: models.QuerySet, who: Identifiers) -> None:
    vids = set(rows.values_list("visitor_id", flat=True)) - {""}
    Visit.objects.filter(visitor_id__in=vids, contact__isnull=True).delete()
    Visit.objects.filter(visitor_id__in=vids).update(visitor_id="")
    rows.update(data={}, client_address=None, visitor_id="")


def _recipients(rows: models.QuerySet, who: Identifiers) -> None:
    rows_scrub(EmailClick.objects.filter(recipient__in=rows), who, columns=["url"], linked=True)
    rows.update(email="", reason="")


def _survey_responses(rows: models.QuerySet, who: Identifiers) -> None:
    # Kept for the aggregates, as anonymous answers: no link, no free text.
    SurveyAnswer.objects.filter(response__in=rows).update(text="")
    rows.update(contact=None, is_anonymous=True)


# label -> what happens to the person's rows (a queryset of them, filtered on the key).
ERASERS: dict[str, Eraser] = {
    "people.Consent": Eraser(_delete, "consent of an erased person means nothing; not mailed"),
    "people.ConsentEntry": Eraser(
        _delete, "the consent log of an erased person (its wording and sources) goes with them"
    ),
    "people.Touch": Eraser(_touches, "kept for counts (kind, channel, time), free text blanked"),
    "people.LifecycleMove": Eraser(
        _blank(scrub=("reason",)), "kept: the funnel's history; the reason searched"
    ),
    "people.EmailAlias": Eraser(_delete, "an old address of theirs"),
    "marketing.FormSubmission": Eraser(
        _submissions, "kept for the form's counts; answers, address and visitor id blanked"
    ),
    "marketing.Visit": Eraser(_visits, "kept for counts without the visitor id"),
    "marketing.ContentShare": Eraser(_blank(), "kept: which asset was shared; no text"),
    "segments.SegmentMember": Eraser(_delete, "memberships go (counts lowered first)"),
    "mailing.TopicOptOut": Eraser(_delete, "the person is suppressed altogether instead"),
    "mailing.EmailRecipient": Eraser(
        _recipients, "kept for the send's figures; the address blanked, clicked links searched"
    ),
    "handoff.Lead": Eraser(
        _blank(scrub=("rejection_note",)), "kept: hand-off figures; the note searched"
    ),
    "sales.Deal": Eraser(
        _blank(scrub=("name", "private_notes", "next_step", "lost_reason")),
        "kept: revenue; its texts searched",
    ),
    "sales.Activity": Eraser(
        _blank(scrub=("subject", "outcome", "notes")), "kept: activity counts; texts searched"
    ),
    "sales.CommitteeMember": Eraser(
        _blank("pain_points", "timeline", "preferred_channel"),
        "the seat kept (the committee's size and roles), what they said blanked",
    ),
    "collaboration.Comment": Eraser(_blank(scrub=("body",)), "kept; their names replaced"),
    "collaboration.SurveyResponse": Eraser(
        _survey_responses, "kept anonymous for the results: unlinked, free text blanked"
    ),
    "collaboration.SurveyInvitation": Eraser(
        _blank(), "kept for the response rate; points at the anonymised contact only"
    ),
}


# Where a name or address may have been written without a key to the contact: searched for
# the person's strong identifiers (full name, addresses, phone), every hit replaced.
SEARCHED: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (Comment, ("body",)),
    (Notification, ("text",)),
    (Deal, ("name", "private_notes", "next_step", "lost_reason")),
    (Delivery, ("body",)),
    (DBTaskResult, ("args_kwargs", "return_value")),
    (ImportRecord, ("before", "after")),
    (ImportJob, ("filename",)),
    (LogEntry, ("object_repr", "change_message")),
    (SurveyAnswer, ("text",)),
    (FormSubmission, ("data",)),
    (EmailRecipient, ("email",)),
    (AuditEntry, ("record_label", "changes")),
)

# Deleted outright where they hold the person: a problem row of an import names its value.
SEARCHED_DELETED: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (ImportProblem, ("value",)),
)
