"""tandem demo: a believable company whose numbers agree with the relay's own rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import DateTimeField, Max

from tandem.access.models import User
from tandem.audit.models import AuditEntry
from tandem.core.periods import period_for
from tandem.dashboards import metrics
from tandem.demo import catalog
from tandem.demo.generator import DemoRefused
from tandem.handoff import scoring
from tandem.handoff.models import Lead
from tandem.mailing.models import EmailSend
from tandem.marketing.models import Campaign, FormSubmission, LeadForm
from tandem.people.lifecycle import Stage, move_problem
from tandem.people.models import Account, AudienceType, Consent, Contact, LifecycleMove, Touch
from tandem.sales.models import Deal, DealStageMove
from tandem.sales.services import pipeline_default
from tests.demo.conftest import NOW

CUSTOMER_STAGES = {Stage.CUSTOMER, Stage.REPEAT_CUSTOMER, Stage.ADVOCATE}


def _fingerprint() -> tuple[list, list]:
    emails = list(Contact.objects.order_by("id").values_list("email", "lifecycle_stage", "score"))
    deals = list(Deal.objects.order_by("id").values_list("name", "amount", "created_at"))
    return emails, deals


def _wipe_people() -> None:
    Deal.objects.all().delete()
    Contact.objects.all().delete()
    Account.objects.all().delete()


def test_same_seed_gives_the_same_company_and_another_seed_another(demo):
    # given the demo made once with seed 7 (the relay's story: wiping people between runs
    # leaves the areas' extras half in place, so their own tests check them on fresh databases)
    demo(seed=7, extras=False)
    first = _fingerprint()
    _wipe_people()

    # when it is made again with the same seed, then again with seed 8
    demo(seed=7, extras=False)
    again = _fingerprint()
    _wipe_people()
    demo(seed=8, extras=False)
    other = _fingerprint()

    # then the same seed gives the same contacts and deals, another seed different ones
    assert len(first[0]) == 300
    assert again == first
    assert [e for e, _, _ in other[0]] != [e for e, _, _ in first[0]]
    assert [d[1] for d in other[1]] != [d[1] for d in first[1]]


def test_every_won_deal_belongs_to_a_customer(demo):
    demo()

    won = Deal.objects.filter(stage__outcome="won").select_related("contact")
    assert won.count() > 10
    for deal in won:
        assert deal.contact.lifecycle_stage in CUSTOMER_STAGES, deal.name
        assert deal.contact.audience_flags & AudienceType.CUSTOMER
        assert deal.amount > 0
        # New business takes weeks to months; a known customer's reorder can close in days.
        shortest = 2 if deal.is_repeat_purchase else 15
        assert shortest <= (deal.closed_at - deal.created_at).days <= 150


def test_every_mql_move_has_its_lead(demo):
    demo()

    moves = Counter(
        LifecycleMove.objects.filter(to_stage=Stage.MQL).values_list("contact_id", "moved_at")
    )
    leads = Counter(Lead.objects.values_list("contact_id", "handed_off_at"))
    assert moves == leads
    assert Lead.objects.filter(score_at_handoff__lt=scoring.mql_threshold()).count() == 0
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert statuses == {"accepted", "rejected", "waiting"}
    assert set(Lead.objects.filter(status="rejected").values_list("rejection_reason", flat=True))


def test_lifecycle_moves_follow_the_lifecycle_rules(demo):
    demo()

    by_contact: dict[int, list[LifecycleMove]] = {}
    for move in LifecycleMove.objects.order_by("moved_at", "id"):
        by_contact.setdefault(move.contact_id, []).append(move)
    for contact in Contact.objects.all():
        stage = Stage.SUBSCRIBER
        for move in by_contact.get(contact.pk, []):
            assert move.from_stage == stage, contact.email
            assert move_problem(move.from_stage, move.to_stage, move.reason) is None
            stage = move.to_stage
        assert contact.lifecycle_stage == stage


def test_scores_and_attribution_agree_with_the_touches(demo):
    # the relay's own story only: the areas' extras add later touches (email opens, content
    # views) that are scored when they happen, not replayed into this invariant
    demo(contacts=200, extras=False)

    for contact in Contact.objects.select_related("account")[:120]:
        touches = Touch.objects.filter(contact=contact)
        first = touches.order_by("occurred_at", "id").first()
        last = touches.exclude(campaign=None, utm_source="").order_by("-occurred_at", "-id").first()
        assert contact.first_touch_at == first.occurred_at
        assert contact.first_touch_campaign_id == first.campaign_id
        assert contact.last_touch_at == (last.occurred_at if last else None)
        assert contact.last_touch_campaign_id == (last.campaign_id if last else None)
        assert contact.created_at == contact.first_touch_at
        # the score is what the scoring rules give as of the last touch
        latest = touches.order_by("-occurred_at", "-id").first()
        assert contact.score == scoring.score_of(contact, now=latest.occurred_at), contact


def test_nothing_is_dated_in_the_future(demo):
    demo()

    for model in (
        Account,
        Contact,
        Touch,
        Consent,
        LifecycleMove,
        FormSubmission,
        Lead,
        Deal,
        DealStageMove,
        Campaign,
    ):
        for field in model._meta.concrete_fields:
            if isinstance(field, DateTimeField):
                latest = model.objects.aggregate(m=Max(field.name))["m"]
                assert latest is None or latest <= NOW, f"{model.__name__}.{field.name}"
    start = NOW - dt.timedelta(days=18 * 31)
    assert Touch.objects.filter(occurred_at__lt=start).count() == 0


def test_dashboards_show_numbers_for_the_quarter_month_and_year(demo):
    demo(contacts=400)
    manager = User.objects.get(username="sven")

    for key in ("quarter", "month", "12m"):
        period = period_for(key, now=NOW)
        shared = metrics.shared_numbers(period)
        assert shared.mqls > 0 and shared.accepted > 0, key
        rows = metrics.campaign_results(period)
        assert any(r.campaign_id and r.mqls for r in rows), key
        sales = metrics.sales_numbers(user=manager, period=period)
        assert sales.open_deals > 0
    quarter = period_for("quarter", now=NOW)
    shared = metrics.shared_numbers(quarter)
    assert shared.won > 0 and shared.revenue > 0 and shared.lost > 0
    assert metrics.sales_numbers(user=manager, period=quarter).won > 0
    board = metrics.pipeline_board(user=manager, pipeline=pipeline_default())
    assert all(column.deals for column in board)


def test_customers_buy_again(demo):
    demo(contacts=400)

    repeats = Deal.objects.filter(is_repeat_purchase=True, stage__outcome="won")
    assert repeats.exists()
    for deal in repeats:
        earlier = Deal.objects.filter(stage__outcome="won", closed_at__lt=deal.closed_at)
        if deal.account_id:
            assert earlier.filter(account_id=deal.account_id).exists()
        else:
            assert earlier.filter(contact_id=deal.contact_id).exists()
    assert Contact.objects.filter(lifecycle_stage=Stage.REPEAT_CUSTOMER).exists()


def test_the_demo_form_and_one_audit_entry(demo):
    demo(contacts=200)

    form = LeadForm.objects.get(slug="demo")
    assert form.campaign is not None and form.is_active
    entries = AuditEntry.objects.filter(record_type="demo.dataset")
    assert entries.count() == 1
    assert entries.get().changes["contacts"] == [None, 200]


def test_a_rerun_with_the_same_seed_adds_nothing(demo):
    demo(contacts=200)
    before = (Contact.objects.count(), Touch.objects.count(), Deal.objects.count())

    result = demo(contacts=200)

    assert result.chunks_written == 0 and result.chunks_skipped == 1
    assert not result.extras_finished
    assert (Contact.objects.count(), Touch.objects.count(), Deal.objects.count()) == before
    assert AuditEntry.objects.filter(record_type="demo.dataset").count() == 1


def test_a_run_stopped_in_its_extras_finishes_them_on_the_next(demo):
    demo(contacts=200)
    # What a run killed inside the extras' transaction leaves: its chunks, no extras, no summary.
    AuditEntry.objects.filter(record_type="demo.dataset").delete()
    EmailSend.objects.all().delete()

    result = demo(contacts=200)

    assert result.chunks_written == 0 and result.extras_finished
    assert EmailSend.objects.filter(recipients__isnull=False).exists()
    assert AuditEntry.objects.filter(record_type="demo.dataset").count() == 1


def test_a_database_with_other_contacts_is_refused(demo):
    demo(contacts=200)

    with pytest.raises(DemoRefused, match="not this demo"):
        demo(seed=8, contacts=200)
    assert Contact.objects.count() == 200


def test_names_make_unique_addresses():
    # Email addresses are unique by construction only if no two names spell the same.
    for names in (catalog.FIRST_NAMES, catalog.LAST_NAMES, catalog.COMPANY_WORDS):
        slugs = [catalog.ascii_slug(n) for n in names]
        assert len(set(slugs)) == len(slugs)


def test_the_relay_marks_closed_deals_not_open_without_the_extras(demo):
    demo(contacts=200, extras=False)

    assert Deal.objects.filter(closed_at__isnull=False).exists()
    assert not Deal.objects.filter(still_open=True, closed_at__isnull=False).exists()
    assert not Deal.objects.filter(still_open=False, closed_at__isnull=True).exists()
