"""Demo records for the sales workspace: a renewals pipeline, deal fields, buying committees,
playbooks with answers, activities, quotas, fit reviews and forecast snapshots.

Bulk writes and grouped updates only: the extra stays quick at the default 3,000 contacts and
bearable on the million-contact benchmark database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from tandem.access.models import Team, User
from tandem.access.roles import Role
from tandem.demo.extras.context import DemoContext
from tandem.people.models import Account, Contact
from tandem.sales import forecast, playbook_services, review_services, services
from tandem.sales.models import (
    Activity,
    CommitteeMember,
    Deal,
    DealSource,
    DealStageMove,
    FitDecision,
    ForecastAdjustment,
    ForecastSnapshot,
    PeriodKind,
    Pipeline,
    PipelineStage,
    PlaybookAnswer,
    PlaybookQuestion,
    Quota,
)
from tandem.sales.target_services import forecast_snapshots_settle

OPEN, WON = PipelineStage.Outcome.OPEN, PipelineStage.Outcome.WON

QUESTIONS = {
    # stage position: (text, is key, choices)
    0: [
        ("What is the main pain today?", True, "Stock-outs\nManual work\nSlow reporting\nCost"),
        ("What happens if nothing changes this year?", True, ""),
        ("How do they buy: tender, direct, through a partner?", False, "Tender\nDirect\nPartner"),
    ],
    1: [
        ("Who signs, and what is their budget cycle?", True, ""),
        ("Which alternatives are they weighing?", False, "Competitor\nIn-house build\nDo nothing"),
    ],
    2: [("What must be true for them to sign this quarter?", True, "")],
}
RENEWAL_QUESTIONS = {
    0: [("Did they get the value they bought?", True, "Yes\nPartly\nNo")],
    1: [("Is anyone new on the committee since last year?", True, "")],
}
NEXT_STEPS = (
    "Send the proposal",
    "Book a demo with the team",
    "Call the economic buyer",
    "Share the reference case",
    "Agree the pilot scope",
    "Review terms with procurement",
)
PAINS = (
    "Stock-outs every quarter",
    "Month-end reporting takes a week",
    "Orders keyed in by hand",
    "Freight costs up 20% this year",
    "No view of margin per customer",
)


def _staff() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(is_active=True)}


def sales_workspace(context: DemoContext) -> dict[str, int]:
    """The sales workspace filled in, each part only when it is still empty (a second run adds
    nothing twice); rows written per table."""
    users = _staff()
    admin = users.get("ada") or User.objects.filter(role=Role.ADMIN).first()
    manager = users.get("sven") or User.objects.filter(role=Role.SALES_MANAGER).first()
    marketing_manager = (
        users.get("maria") or User.objects.filter(role=Role.MARKETING_MANAGER).first()
    )
    if admin is None or manager is None or marketing_manager is None:
        return {}
    today = timezone.localdate(context.now)
    written: dict[str, int] = {}
    new_business, renewals = _pipelines_and_playbooks(admin, manager)
    written["sales_deal_fields"] = _deal_fields(new_business, today)
    if not renewals.deals.exists():
        written["sales_renewals"] = _renewals(context, renewals, today)
    # Buying committees, answers and activities go on a sample of open deals.
    sample = list(
        Deal.objects.filter(stage__outcome=OPEN, contact__isnull=False)
        .select_related("contact", "stage", "owner")
        .order_by("id")[:400]
    )
    if not CommitteeMember.objects.exists():
        written["sales_committee_members"] = _committees(context, sample, today)
    if not PlaybookAnswer.objects.exists():
        written["sales_playbook_answers"] = _playbook_answers(context, sample, new_business)
    if not Activity.objects.exists():
        written["sales_activities"] = _activities(context, sample)
    if not Quota.objects.exists():
        written["sales_quotas"] = _quotas(manager, today)
    if not review_services.FitReview.objects.exists():
        written["sales_fit_reviews"] = _fit_reviews(new_business, manager, marketing_manager)
    if not ForecastSnapshot.objects.exists():
        written["sales_forecast_snapshots"] = _forecast(context, manager, today)
    # Services stamp "now"; the demo's story ends at its own clock, so restamp what they wrote.
    Deal.objects.filter(pipeline=renewals, created_at__gt=context.now).update(
        created_at=context.now
    )
    DealStageMove.objects.filter(moved_at__gt=context.now).update(moved_at=context.now)
    review_services.FitReview.objects.filter(opened_at__gt=context.now).update(
        opened_at=context.now
    )
    FitDecision.objects.filter(decided_at__gt=context.now).update(decided_at=context.now)
    return written


def _pipelines_and_playbooks(admin: User, manager: User) -> tuple[Pipeline, Pipeline]:
    """The default pipeline and a renewals one, each open stage with its discovery questions."""
    new_business = services.pipeline_default()
    renewals = Pipeline.objects.filter(name="Renewals").first() or services.pipeline_create(
        actor=admin, name="Renewals", stages=[("Renewal due", 60), ("Terms agreed", 85)], via="demo"
    )
    for pipeline, questions in ((new_business, QUESTIONS), (renewals, RENEWAL_QUESTIONS)):
        stages = list(pipeline.stages.filter(outcome=OPEN))
        if any(s.questions.exists() for s in stages):
            continue
        for position, items in questions.items():
            if position < len(stages):
                for text, is_key, choices in items:
                    playbook_services.playbook_question_create(
                        actor=manager,
                        stage=stages[position],
                        text=text,
                        is_key=is_key,
                        choices=choices,
                        via="demo",
                    )
    return new_business, renewals


def _deal_fields(new_business: Pipeline, today: dt.date) -> int:
    """Forecast categories, sources, partners, next steps and close dates on the open deals, by
    grouped updates on the id."""
    open_deals = Deal.objects.filter(stage__outcome=OPEN)
    stage_by_pos = {s.position: s for s in new_business.stages.filter(outcome=OPEN)}
    if 2 in stage_by_pos:
        mod = open_deals.filter(stage=stage_by_pos[2]).annotate(m=F("id") % 10)
        mod.filter(m__lt=6).update(forecast_category="commit")
        mod.filter(m__gte=6).update(forecast_category="best_case")
    if 1 in stage_by_pos:
        mod = open_deals.filter(stage=stage_by_pos[1]).annotate(m=F("id") % 10)
        mod.filter(m__lt=4).update(forecast_category="best_case")
        mod.filter(m=9).update(forecast_category="omitted")
    open_deals.filter(source_campaign__isnull=False).update(source=DealSource.CAMPAIGN)
    open_deals.filter(source_campaign__isnull=True).update(source=DealSource.OUTBOUND)
    Deal.objects.filter(source_campaign__isnull=False).exclude(stage__outcome=OPEN).update(
        source=DealSource.CAMPAIGN
    )
    partners = list(Account.objects.order_by("id")[:3])
    by_id = open_deals.annotate(m=F("id") % 17)
    for i, partner in enumerate(partners):
        by_id.filter(m=i, source_campaign__isnull=True).update(
            source=DealSource.PARTNER, partner=partner
        )
    by_id = open_deals.annotate(m=F("id") % 10)
    for k in range(2, 10):
        # Two in ten open deals have no next step; one in ten is overdue; the rest are due soon.
        due = today - dt.timedelta(days=3) if k == 2 else today + dt.timedelta(days=k - 3)
        by_id.filter(m=k).update(next_step=NEXT_STEPS[k % len(NEXT_STEPS)], next_step_due_on=due)
    for k in range(7):
        open_deals.filter(expected_close_on__isnull=True).annotate(m=F("id") % 7).filter(
            m=k
        ).update(expected_close_on=today + dt.timedelta(days=10 + 12 * k))
    return open_deals.count()


def _renewals(context: DemoContext, renewals: Pipeline, today: dt.date) -> int:
    """Accounts that bought once get a renewal deal."""
    rng = context.rng
    won_accounts = list(
        Deal.objects.filter(stage__outcome=WON, contact__isnull=False)
        .select_related("contact", "owner")
        .order_by("-closed_at")[:12]
    )
    for deal in won_accounts:
        renewal = services.deal_open(
            actor=deal.owner,
            name=f"{deal.account or deal.contact} — renewal",
            owner=deal.owner,
            contact=deal.contact,
            pipeline=renewals,
            amount=(deal.amount * Decimal("0.9")).quantize(Decimal("1")),
            via="demo",
        )
        Deal.objects.filter(pk=renewal.pk).update(
            expected_close_on=today + dt.timedelta(days=rng.randint(10, 80)),
            next_step="Renewal call",
            next_step_due_on=today + dt.timedelta(days=rng.randint(0, 9)),
            forecast_category=rng.choice(["commit", "best_case"]),
            source=DealSource.OUTBOUND,
        )
    return len(won_accounts)


def _committees(context: DemoContext, sample: list[Deal], today: dt.date) -> int:
    """The buyer as champion or decision maker, and up to two colleagues beside them."""
    rng = context.rng
    colleagues: dict[int, list[int]] = {}
    account_ids = {d.account_id for d in sample if d.account_id}
    for contact_id, account_id in Contact.objects.filter(account_id__in=account_ids).values_list(
        "id", "account_id"
    )[:5000]:
        colleagues.setdefault(account_id, []).append(contact_id)
    seats = []
    for deal in sample:
        seats.append(
            CommitteeMember(
                deal=deal,
                contact=deal.contact,
                role=rng.choice(["champion", "decision_maker"]),
                pain_points=rng.choice(PAINS),
                preferred_channel=rng.choice(["email", "video", "phone"]),
                timeline=rng.choice(
                    ["Decide this quarter", "Budget opens in January", "Pilot first"]
                ),
                decision_on=today + dt.timedelta(days=rng.randint(14, 120)),
                added_at=context.now,
            )
        )
        mates = colleagues.get(deal.account_id or 0, [])
        others = [c for c in mates if c != deal.contact_id][:2]
        for contact_id, role in zip(others, ("economic_buyer", "influencer"), strict=False):
            seats.append(
                CommitteeMember(
                    deal=deal,
                    contact_id=contact_id,
                    role=role,
                    preferred_channel=rng.choice(["email", "meeting"]),
                    added_at=context.now,
                )
            )
    return len(CommitteeMember.objects.bulk_create(seats))


def _playbook_answers(context: DemoContext, sample: list[Deal], new_business: Pipeline) -> int:
    """Answers to the discovery questions of the stages each deal has reached."""
    rng = context.rng
    question_ids = list(
        new_business.stages.filter(outcome=OPEN).values_list("questions", flat=True)
    )
    by_stage: dict[int, list[PlaybookQuestion]] = {}
    for q in PlaybookQuestion.objects.filter(pk__in=[q for q in question_ids if q]).select_related(
        "stage"
    ):
        by_stage.setdefault(q.stage.position, []).append(q)
    answers = []
    for deal in sample:
        if deal.pipeline_id != new_business.pk:
            continue
        for position, qs in by_stage.items():
            if position > deal.stage.position:
                continue
            for q in qs:
                if rng.random() < 0.75:
                    choice = rng.choice(q.choice_list) if q.choice_list else ""
                    answers.append(
                        PlaybookAnswer(
                            deal=deal,
                            question=q,
                            choice=choice,
                            text="" if choice else rng.choice(PAINS),
                            answered_by=deal.owner,
                            answered_at=context.now,
                        )
                    )
    return len(PlaybookAnswer.objects.bulk_create(answers))


def _activities(context: DemoContext, sample: list[Deal]) -> int:
    """Open activities from overdue to due next week, and some done discovery calls."""
    rng = context.rng
    now = context.now
    activities = []
    for i, deal in enumerate(sample[:240]):
        kind = ("call", "meeting", "email", "task")[i % 4]
        offset = (i % 9) - 3  # from three days overdue to five days ahead
        due = now.replace(hour=9 + i % 8, minute=0, second=0, microsecond=0) + dt.timedelta(
            days=offset
        )
        activities.append(
            Activity(
                kind=kind,
                subject=f"{kind.title()}: {NEXT_STEPS[i % len(NEXT_STEPS)].lower()}",
                deal=deal,
                contact=deal.contact,
                owner=deal.owner,
                due_at=due,
                created_at=now,
            )
        )
        if i % 2 == 0:
            activities.append(
                Activity(
                    kind="call",
                    subject="Discovery call",
                    deal=deal,
                    contact=deal.contact,
                    owner=deal.owner,
                    due_at=now - dt.timedelta(days=12),
                    done_at=now - dt.timedelta(days=12),
                    outcome=rng.choice(["connected", "left_message"]),
                    notes=rng.choice(PAINS),
                    created_at=now - dt.timedelta(days=12),
                )
            )
    return len(Activity.objects.bulk_create(activities))


def _quotas(manager: User, today: dt.date) -> int:
    """Each rep and team, this and the last two months and quarters."""
    reps = list(User.objects.filter(role=Role.SALES_REP, is_active=True))
    month_avg = _monthly_average(today)
    per_rep = (month_avg / max(len(reps), 1) * Decimal("1.1")).quantize(Decimal("100"))
    per_rep = max(per_rep, Decimal(10000))
    quotas = []
    for back in range(3):
        month = _months_back(today.replace(day=1), back)
        quotas += [
            Quota(
                user=r,
                period_kind=PeriodKind.MONTH,
                period_start=month,
                amount=per_rep,
                created_by=manager,
            )
            for r in reps
        ]
    for back in (0, 3):
        quarter = forecast.period_containing(
            PeriodKind.QUARTER, _months_back(today.replace(day=1), back)
        )
        quotas += [
            Quota(
                user=r,
                period_kind=PeriodKind.QUARTER,
                period_start=quarter,
                amount=per_rep * 3,
                created_by=manager,
            )
            for r in reps
        ]
        for team in Team.objects.filter(kind="sales"):
            members = sum(1 for r in reps if r.team_id == team.pk)
            quotas.append(
                Quota(
                    team=team,
                    period_kind=PeriodKind.QUARTER,
                    period_start=quarter,
                    amount=per_rep * 3 * members,
                    created_by=manager,
                )
            )
    return len(Quota.objects.bulk_create(quotas))


def _fit_reviews(new_business: Pipeline, manager: User, marketing_manager: User) -> int:
    """A few large deals raised for a joint decision, at each step of it."""
    open_deals = Deal.objects.filter(stage__outcome=OPEN)
    candidates = list(
        open_deals.filter(pipeline=new_business).select_related("owner").order_by("-amount")[:4]
    )
    reasons = (
        "Reseller buying for its own clients: outside our ideal-customer profile",
        "Asks for 35% off and 120-day payment terms",
        "Wants a custom integration we do not offer",
        "Ten-person company: far below our usual customer size",
    )
    for i, (deal, reason) in enumerate(zip(candidates, reasons, strict=False)):
        review = review_services.fit_review_open(
            actor=deal.owner, deal=deal, reason=reason, via="demo"
        )
        if i >= 1:
            review_services.fit_review_decide(
                actor=manager,
                review=review,
                decision="approve",
                rationale="Strategic logo in a target segment; margin still positive",
                via="demo",
            )
        if i == 2:
            review_services.fit_review_decide(
                actor=marketing_manager,
                review=review,
                decision="approve_with_conditions",
                rationale="Only with a published case study and standard support",
                via="demo",
            )
        if i == 3:
            review_services.fit_review_decide(
                actor=marketing_manager,
                review=review,
                decision="decline",
                rationale="Too small to serve profitably; point them to a partner",
                via="demo",
            )
    return len(candidates)


def _forecast(context: DemoContext, manager: User, today: dt.date) -> int:
    """Snapshots of past periods, settled against what closed, and a manager's call."""
    rng = context.rng
    snaps = []
    for kind, backs in ((PeriodKind.MONTH, (1, 2, 3, 4, 5)), (PeriodKind.QUARTER, (3, 6))):
        for back in backs:
            start = forecast.period_containing(kind, _months_back(today.replace(day=1), back))
            _, end = forecast.period_bounds(kind, start)
            won = _won_between(start, end)
            # As if taken mid-period: the call lands within ±25% of what then closed.
            called = (won * Decimal(str(round(rng.uniform(0.75, 1.25), 3)))).quantize(Decimal("1"))
            mid = start + (end - start) / 2
            snaps.append(
                ForecastSnapshot(
                    period_kind=kind,
                    period_start=start,
                    period_end=end,
                    taken_on=mid,
                    weighted=(called * Decimal("0.9")).quantize(Decimal("1")),
                    commit=(called * Decimal("0.6")).quantize(Decimal("1")),
                    best_case=(called * Decimal("0.9")).quantize(Decimal("1")),
                    pipeline=(called * Decimal("1.8")).quantize(Decimal("1")),
                    history_expected=(won * Decimal("0.95")).quantize(Decimal("1")),
                    history_low=(won * Decimal("0.7")).quantize(Decimal("1")),
                    history_high=(won * Decimal("1.2")).quantize(Decimal("1")),
                    adjusted=called,
                    won_before=(won * Decimal("0.4")).quantize(Decimal("1")),
                )
            )
    ForecastSnapshot.objects.bulk_create(snaps)
    forecast_snapshots_settle(today=today)
    quarter = forecast.period_containing(PeriodKind.QUARTER, today)
    current = forecast.forecast_for(user=None, kind=PeriodKind.QUARTER, start=quarter, today=today)
    ForecastAdjustment.objects.create(
        period_kind=PeriodKind.QUARTER,
        period_start=quarter,
        amount=(current.won + current.commit + current.best_case / 4).quantize(Decimal("1")),
        reason="Two best-case deals in Negotiation sign before the quarter ends",
        created_by=manager,
        created_at=context.now,
    )
    return len(snaps)


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _won_between(start: dt.date, end: dt.date) -> Decimal:
    return Deal.objects.filter(
        stage__outcome=WON,
        closed_at__gte=forecast._aware(start),
        closed_at__lte=forecast._aware(end, True),
    ).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def _monthly_average(today: dt.date) -> Decimal:
    start = _months_back(today.replace(day=1), 6)
    return (_won_between(start, today) / 6).quantize(Decimal("1"))
