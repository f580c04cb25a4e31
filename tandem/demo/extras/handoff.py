"""Demo records of the hand-off: scores and grades, both promises with their history, the
nurture segment of recycled leads, and a trained predictive model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Min, OuterRef, Subquery, Sum

from tandem.demo.extras.context import DemoContext
from tandem.demo.writer import rows_update
from tandem.handoff import nurture, predictive, rescoring
from tandem.handoff.models import Lead, ServiceLevel
from tandem.handoff.service_levels import FIRST_TOUCH_KINDS, working_deadline
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, Touch
from tandem.sales.models import Deal, PipelineStage
from tandem.segments.models import Segment, SegmentMember


def _service_levels(context: DemoContext) -> ServiceLevel:
    year_ago = context.now - dt.timedelta(days=365)
    won = Deal.objects.filter(
        stage__outcome=PipelineStage.Outcome.WON, closed_at__gte=year_ago
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    # Leadership asks for a tenth more than last year's quarterly average.
    goal = (won / 4 * Decimal("1.1")).quantize(Decimal("1000"))
    level, _ = ServiceLevel.objects.update_or_create(
        pk=1, defaults={"quarterly_revenue_goal": goal, "first_touch_hours": 4}
    )
    return level


def _first_touches(context: DemoContext, level: ServiceLevel) -> int:
    """Each lead's promise and when a rep first reached out: the first sales touch after the
    hand-off, else (for leads already answered) a delay drawn around the promise."""
    rng = context.rng
    first_sales_touch = (
        Touch.objects.filter(
            contact_id=OuterRef("contact_id"),
            kind__in=FIRST_TOUCH_KINDS,
            recorded_by__role__in=["sales_rep", "sales_manager"],
            occurred_at__gte=OuterRef("handed_off_at"),
        )
        .order_by()
        .values("contact_id")
        .annotate(first=Min("occurred_at"))
        .values("first")
    )
    leads = list(
        Lead.objects.annotate(touched=Subquery(first_sales_touch)).only(
            "pk", "handed_off_at", "status", "decided_at"
        )
    )
    for lead in leads:
        due = working_deadline(lead.handed_off_at, level.first_touch_hours, level)
        lead.first_touch_due_at = due
        touched = lead.touched  # type: ignore[attr-defined]
        if touched is None and lead.status != Lead.Status.WAITING:
            # Most reps keep the promise; some are late by a few hours.
            late = rng.random() < 0.18
            hours = (
                rng.uniform(0.3, 3.5) if not late else level.first_touch_hours + rng.uniform(1, 20)
            )
            touched = min(
                working_deadline(lead.handed_off_at, hours, level),
                lead.decided_at or context.now,
            )
        lead.first_touched_at = touched
        if touched is None and due < context.now:
            lead.breached_at = due
    rows_update(Lead, ["first_touch_due_at", "first_touched_at", "breached_at"], leads)
    return len(leads)


def _nurture(context: DemoContext) -> int:
    segment = nurture.nurture_segment_get()
    recycled = list(
        Contact.objects.filter(lifecycle_stage=Stage.RECYCLED).values_list(
            "pk", "lifecycle_changed_at"
        )
    )
    SegmentMember.objects.bulk_create(
        [
            SegmentMember(segment=segment, contact_id=pk, added_at=at or context.now)
            for pk, at in recycled
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    rows = [
        Contact(pk=pk, nurture_until=((at or context.now) + dt.timedelta(days=90)).date())
        for pk, at in recycled
    ]
    rows_update(Contact, ["nurture_until"], rows)
    Segment.objects.filter(pk=segment.pk).update(
        member_count=SegmentMember.objects.filter(segment=segment).count()
    )
    return len(recycled)


def handoff_demo(context: DemoContext) -> dict[str, int]:
    level = _service_levels(context)
    written = {"handoff_lead_sla": _first_touches(context, level)}
    written["people_contact_rescored"] = rescoring.rescore_all(now=context.now)
    written["segments_nurture_member"] = _nurture(context)
    if context.contacts <= 20_000:  # quick at demo sizes; the benchmark trains the big one
        record = predictive.model_train(now=context.now)
        written["handoff_predictivemodel"] = 1
        if record.is_ready:
            written["people_contact_probability"] = predictive.probabilities_store()
    return written
