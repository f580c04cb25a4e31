"""Background work of the hand-off: the service-level watch, nurture's end, the recomputes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from tandem.access.models import User
from tandem.access.roles import Role
from tandem.handoff import hooks, predictive
from tandem.handoff.models import Lead

# Emails queued before the task moved to ``notices`` name it by its old path; the database
# queue looks tasks up by that path, so it stays reachable here.
from tandem.handoff.notices import lead_assigned_notify  # noqa: F401
from tandem.handoff.service_levels import service_level
from tandem.handoff.services.leads import lead_reassign
from tandem.handoff.services.lifecycle import contacts_nurture_end
from tandem.handoff.services.scores import contacts_rescore_all


def _notify(recipient, kind: hooks.SlaKind, text: str, url: str) -> None:
    # Whoever listens (collaboration: the inbox, and email right away or in the digest as
    # the person prefers) tells them.
    hooks.SERVICE_LEVEL_NOTICE.announce(
        hooks.ServiceLevelNotice(recipient=recipient, kind=kind, text=text, url=url)
    )


def _managers_of(rep) -> list:
    if rep is None or rep.team_id is None:
        return []
    return list(User.objects.filter(role=Role.SALES_MANAGER, team_id=rep.team_id, is_active=True))


def sla_check(now=None) -> dict[str, int]:
    """Warn reps before a first touch is due, reassign a lead whose promise is about to break
    (when someone else can take it), and tell the rep and their manager at a breach."""
    now = now or timezone.now()
    level = service_level()
    warn = dt.timedelta(minutes=level.warn_before_minutes)
    open_leads = Lead.objects.filter(
        status=Lead.Status.WAITING, first_touched_at__isnull=True, first_touch_due_at__isnull=False
    ).select_related("contact", "assigned_to")
    counts = {"warned": 0, "reassigned": 0, "breached": 0}
    url = reverse("handoff:sla")
    for lead in open_leads.filter(
        warned_at__isnull=True, first_touch_due_at__gt=now, first_touch_due_at__lte=now + warn
    ):
        minutes = int((lead.first_touch_due_at - now).total_seconds() // 60)
        with transaction.atomic():
            if lead.assigned_to is not None:
                _notify(
                    lead.assigned_to,
                    hooks.SLA_WARNING,
                    f"First touch for {lead.contact} is due in {minutes} min "
                    f"(by {timezone.localtime(lead.first_touch_due_at):%H:%M})",
                    url,
                )
            Lead.objects.filter(pk=lead.pk).update(warned_at=now)
        counts["warned"] += 1
    # About to break: the last quarter of the warning time, still untouched → another rep.
    soon = now + warn / 4
    for lead in open_leads.filter(first_touch_due_at__gt=now, first_touch_due_at__lte=soon):
        if lead.reassigned_count:
            continue  # one reassignment per lead: passing it round helps nobody
        previous = lead.assigned_to
        moved = lead_reassign(lead=lead, why="first touch about to be late")
        if moved is not None:
            counts["reassigned"] += 1
            if previous is not None:
                _notify(
                    previous,
                    hooks.SLA_WARNING,
                    f"{lead.contact} was passed to {moved.assigned_to}: "
                    "first touch about to be late",
                    url,
                )
    for lead in open_leads.filter(breached_at__isnull=True, first_touch_due_at__lte=now):
        text = (
            f"Service level broken: {lead.contact} has waited past the first-touch promise "
            f"({lead.assigned_to or 'unassigned'})"
        )
        with transaction.atomic():
            for person in {lead.assigned_to, *_managers_of(lead.assigned_to)} - {None}:
                _notify(person, hooks.SLA_BREACH, text, url)
            Lead.objects.filter(pk=lead.pk).update(breached_at=now)
        counts["breached"] += 1
    return counts


@task()
def sla_watch() -> dict[str, int]:
    """Run by ``tandem sla_watch`` every few minutes (cron or the worker's schedule)."""
    return sla_check()


@task()
def nurture_due() -> dict[str, int]:
    """Run by ``tandem nurture_due`` once a day: recycled contacts whose nurture date has
    passed go back to marketing's active leads and are rescored."""
    return contacts_nurture_end()


@task()
def scores_recompute() -> dict[str, int]:
    """The full, set-based recompute of every contact's score (``tandem rescore``)."""
    return contacts_rescore_all()


@task()
def predictive_retrain() -> str:
    """Retrain the predictive score and store every contact's probability."""
    record = predictive.model_train()
    if record.is_ready:
        predictive.probabilities_store()
    return record.message
