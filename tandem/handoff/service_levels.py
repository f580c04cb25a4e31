"""The two promises of the hand-off, measured.

Sales promises a first touch within N working hours of a hand-off and a follow-up cadence (N
attempts in the first two weeks); marketing promises a number of qualified leads per quarter,
derived from the revenue goal through the lead-to-won conversion and the average deal size,
with an acceptance rate as its quality. Working hours are Monday to Friday between the
configured hours, in the company's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from tandem.access.roles import Role
from tandem.handoff.models import Lead, ServiceLevel
from tandem.ops.settings_cache import cached
from tandem.sales.models import Deal, PipelineStage

FIRST_TOUCH_KINDS = ("call", "meeting", "email_sent", "note")


def service_level() -> ServiceLevel:
    """The company's promises (the defaults when nobody has set them); read once per process
    until they change (``tandem.ops.settings_cache``). Shared: never change it in place."""
    return cached("handoff.service_level", lambda: ServiceLevel.objects.first() or ServiceLevel())


def working_deadline(start: dt.datetime, hours: float, level: ServiceLevel) -> dt.datetime:
    """``hours`` working hours after ``start``: weekends and nights do not count."""
    tz = timezone.get_current_timezone()
    t = start.astimezone(tz)
    remaining = dt.timedelta(hours=hours)
    day_start, day_end = dt.time(level.workday_start_hour), dt.time(level.workday_end_hour)
    while True:
        opens = t.replace(hour=day_start.hour, minute=0, second=0, microsecond=0)
        closes = t.replace(hour=day_end.hour, minute=0, second=0, microsecond=0)
        if t.weekday() >= 5 or t >= closes:
            t = (t + dt.timedelta(days=1)).replace(
                hour=day_start.hour, minute=0, second=0, microsecond=0
            )
            continue
        t = max(t, opens)
        if t + remaining <= closes:
            return t + remaining
        remaining -= closes - t
        t = closes


def is_first_touch_met(lead: Lead) -> bool | None:
    """True when the first touch came in time, False when it came late or is overdue, None
    while it is still due."""
    if lead.first_touch_due_at is None:
        return None
    if lead.first_touched_at is not None:
        return lead.first_touched_at <= lead.first_touch_due_at
    return False if timezone.now() > lead.first_touch_due_at else None


@dataclass
class Level:
    """First-touch and cadence counts of some leads (a rep's, a team's)."""

    handed_off: int = 0
    met: int = 0
    breached: int = 0
    waiting: int = 0
    cadence_due: int = 0
    cadence_met: int = 0

    @property
    def compliance(self) -> float | None:
        judged = self.met + self.breached
        return self.met / judged if judged else None

    @property
    def cadence(self) -> float | None:
        return self.cadence_met / self.cadence_due if self.cadence_due else None


@dataclass
class RepLevel(Level):
    """The counts of the leads assigned to one rep (None: unassigned)."""

    rep: Any = None


@dataclass
class TeamLevel(Level):
    """The counts of the leads assigned to the reps of one team (None: no team, unassigned)."""

    team: Any = None


@dataclass
class Breach:
    lead: Lead
    overdue: dt.timedelta
    is_open: bool


@dataclass
class SalesPromise:
    hours: int
    attempts: int
    days: int
    handed_off: int
    met: int
    breached: int
    cadence_due: int
    cadence_met: int
    waiting: list[Lead]
    breaches: list[Breach]
    reps: list[RepLevel] = field(default_factory=list)
    teams: list[TeamLevel] = field(default_factory=list)

    @property
    def compliance(self) -> float | None:
        judged = self.met + self.breached
        return self.met / judged if judged else None

    @property
    def cadence(self) -> float | None:
        return self.cadence_met / self.cadence_due if self.cadence_due else None


def sales_promise(*, since: dt.datetime, until: dt.datetime, team_id: int | None = None):
    """First-touch compliance and follow-up cadence of the leads handed off in the period,
    per rep, per sales team (the rep's team today) and overall, the leads still waiting for a
    first touch, and every breach. ``team_id``: only the leads of that team's reps."""
    level = service_level()
    now = timezone.now()
    leads = Lead.objects.filter(handed_off_at__gte=since, handed_off_at__lt=until)
    if team_id is not None:
        leads = leads.filter(assigned_to__team_id=team_id)
    cadence_window = dt.timedelta(days=level.follow_up_days)
    leads = leads.select_related("contact", "assigned_to__team", "campaign").annotate(
        attempts=Count(
            "contact__touches",
            filter=Q(
                contact__touches__recorded_by__role__in=[Role.SALES_REP, Role.SALES_MANAGER],
                contact__touches__kind__in=FIRST_TOUCH_KINDS,
                contact__touches__occurred_at__gte=F("handed_off_at"),
                contact__touches__occurred_at__lte=F("handed_off_at") + cadence_window,
            ),
        )
    )
    reps: dict[int | None, RepLevel] = {}
    teams: dict[int | None, TeamLevel] = {}
    breaches: list[Breach] = []
    waiting: list[Lead] = []
    totals = Level()
    for lead in leads.order_by("handed_off_at", "id"):
        row = reps.setdefault(lead.assigned_to_id, RepLevel(rep=lead.assigned_to))
        team = lead.assigned_to.team if lead.assigned_to else None
        team_row = teams.setdefault(team.pk if team else None, TeamLevel(team=team))
        for target in (row, team_row, totals):
            target.handed_off += 1
        met = is_first_touch_met(lead)
        if lead.first_touched_at is None and lead.status == Lead.Status.WAITING:
            waiting.append(lead)
            row.waiting += 1
            team_row.waiting += 1
        if met is True:
            for target in (row, team_row, totals):
                target.met += 1
        elif met is False:
            for target in (row, team_row, totals):
                target.breached += 1
            assert lead.first_touch_due_at is not None
            end = lead.first_touched_at or now
            breaches.append(
                Breach(lead, end - lead.first_touch_due_at, lead.first_touched_at is None)
            )
        if now - lead.handed_off_at >= cadence_window:
            for target in (row, team_row, totals):
                target.cadence_due += 1
                target.cadence_met += lead.attempts >= level.follow_up_attempts  # type: ignore[attr-defined]
    breaches.sort(key=lambda b: b.overdue, reverse=True)
    return SalesPromise(
        hours=level.first_touch_hours,
        attempts=level.follow_up_attempts,
        days=level.follow_up_days,
        handed_off=totals.handed_off,
        met=totals.met,
        breached=totals.breached,
        cadence_due=totals.cadence_due,
        cadence_met=totals.cadence_met,
        waiting=waiting,
        breaches=breaches,
        reps=sorted(reps.values(), key=lambda r: str(r.rep or "")),
        # Teams by name; the leads of no team (unassigned, or a rep without one) last.
        teams=sorted(teams.values(), key=lambda t: (t.team is None, str(t.team or ""))),
    )


# How much of a quarter each period of the SLA page is: marketing's goal is set per quarter
# and owed pro rata (13 weeks and 3 months to a quarter).
QUARTERS_IN_PERIOD = {
    "week": Fraction(1, 13),
    "month": Fraction(1, 3),
    "quarter": Fraction(1),
    "6m": Fraction(2),
    "12m": Fraction(4),
    "18m": Fraction(6),
}
_SHARE_WORDS = {
    "week": "a week is 1/13 of a quarter",
    "month": "a month is 1/3 of a quarter",
    "6m": "6 months are 2 quarters",
    "12m": "12 months are 4 quarters",
    "18m": "18 months are 6 quarters",
}


@dataclass
class MarketingPromise:
    revenue_goal: Decimal
    period_revenue_goal: Decimal
    quarters: Fraction
    average_deal: Decimal | None
    lead_to_won: float | None
    leads_needed: int | None
    leads_delivered: int
    accepted: int
    rejected: int
    minimum_acceptance: float
    explanation: str

    @property
    def progress(self) -> float | None:
        return self.leads_delivered / self.leads_needed if self.leads_needed else None

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def marketing_promise(
    *, since: dt.datetime, until: dt.datetime, period: str = "quarter"
) -> MarketingPromise:
    """Qualified leads owed over the whole ``period`` (a key of ``QUARTERS_IN_PERIOD``): the
    quarterly revenue goal scaled to the period ÷ average won deal ÷ lead-to-won conversion
    (both from the twelve months before the period), and how many were delivered from
    ``since`` to ``until``."""

    level = service_level()
    year_before = since - dt.timedelta(days=365)
    won = Deal.objects.filter(
        stage__outcome=PipelineStage.Outcome.WON, closed_at__gte=year_before, closed_at__lt=since
    )
    average = won.aggregate(a=Avg("amount"))["a"]
    past_leads = Lead.objects.filter(handed_off_at__gte=year_before, handed_off_at__lt=since)
    past_count = past_leads.count()
    won_from_leads = won.filter(lead__isnull=False).count()
    conversion = won_from_leads / past_count if past_count else None
    goal = level.quarterly_revenue_goal
    quarters = QUARTERS_IN_PERIOD[period]
    period_goal = (Decimal(goal) * quarters.numerator / quarters.denominator).quantize(
        Decimal("0.01")
    )
    needed = None
    if goal and average and conversion:
        # Exact fractions: a whole number of leads must not round up to one more.
        owed = Fraction(goal) * quarters / Fraction(average) / Fraction(won_from_leads, past_count)
        needed = math.ceil(owed)
        scaled = (
            f"{goal:,.0f} quarterly revenue goal × {quarters} ({_SHARE_WORDS[period]}) = "
            f"{period_goal:,.0f} revenue"
            if period != "quarter"
            else f"{goal:,.0f} revenue"
        )
        explanation = (
            f"{scaled} ÷ {average:,.0f} average won deal ÷ "
            f"{conversion:.1%} of leads won = {needed:,} qualified leads"
        )
    elif not goal:
        explanation = "Set a quarterly revenue goal to derive marketing's promise."
    else:
        explanation = "Not enough won deals in the last twelve months to derive the promise."
    delivered = Lead.objects.filter(handed_off_at__gte=since, handed_off_at__lt=until)
    counts = delivered.aggregate(
        n=Count("id"),
        accepted=Count("id", filter=Q(status=Lead.Status.ACCEPTED)),
        rejected=Count("id", filter=Q(status=Lead.Status.REJECTED)),
    )
    return MarketingPromise(
        revenue_goal=goal,
        period_revenue_goal=period_goal,
        quarters=quarters,
        average_deal=Decimal(average).quantize(Decimal("1")) if average else None,
        lead_to_won=conversion,
        leads_needed=needed,
        leads_delivered=counts["n"],
        accepted=counts["accepted"],
        rejected=counts["rejected"],
        minimum_acceptance=level.minimum_acceptance_rate,
        explanation=explanation,
    )
