"""The predictive score: trained on history, judged on a later period, explained per lead."""

import datetime as dt

from django.utils import timezone

from tandem.handoff import predictive
from tandem.handoff.models import PredictiveModel, ScoringProfile
from tandem.people.models import Contact, LifecycleMove, Touch
from tests.factories import ContactFactory


def test_too_little_history_falls_back_to_the_rule_score_with_a_clear_message(db):
    ContactFactory()

    record = predictive.model_train()

    assert not record.is_ready
    assert record.message.startswith("Not enough history yet: 0 contacts and 0 conversions")
    explanation = predictive.explain_contact(Contact.objects.get())
    assert explanation.probability is None
    assert explanation.message.endswith("The rule score ranks leads meanwhile.")


def _cohort(now, created_days, touch_days, won_days, n=40):
    """Half keen (three forms, four in five buy), half cold (one in five buys)."""
    for i in range(n):
        keen = i % 2 == 0
        contact = ContactFactory()
        Contact.objects.filter(pk=contact.pk).update(
            created_at=now - dt.timedelta(days=created_days)
        )
        for _ in range(3 if keen else 0):
            Touch.objects.create(
                contact=contact, kind="form_submission",
                occurred_at=now - dt.timedelta(days=touch_days),
            )  # fmt: skip
        buys = (i // 2) % 5 != 0 if keen else (i // 2) % 5 == 0
        if buys:
            LifecycleMove.objects.create(
                contact=contact, from_stage="opportunity", to_stage="customer",
                moved_at=now - dt.timedelta(days=won_days),
            )  # fmt: skip


def test_a_model_learns_from_history_and_beats_chance_on_the_later_period(db):
    now = timezone.now()
    ScoringProfile.objects.create(predictive_min_leads=30)
    _cohort(now, created_days=400, touch_days=200, won_days=150)  # before the training cutoff
    _cohort(now, created_days=120, touch_days=100, won_days=50)  # the held-out later period

    record = predictive.model_train(now=now)

    assert record.is_ready, record.message
    assert (record.training_rows, record.positives) == (40, 20)
    evaluation = PredictiveModel.objects.get().evaluation
    # the first cohort's twenty who never bought are still prospects at the later cutoff
    assert evaluation["rows"] == 60 and evaluation["positives"] == 20
    assert evaluation["auc"] > 0.75
    assert len(evaluation["calibration"]) == 10
    keen, cold = ContactFactory(), ContactFactory()
    for _ in range(3):
        Touch.objects.create(contact=keen, kind="form_submission", occurred_at=now)
    keen_says, cold_says = predictive.explain_contact(keen), predictive.explain_contact(cold)
    assert keen_says.probability > cold_says.probability
    assert "form submissions lately raises the chance" in " ".join(keen_says.factors)


def test_sales_verdicts_in_the_later_period_judge_the_scores(db):
    """Rejected and lost leads feed the evaluation: how well the scores told them apart."""
    from tandem.handoff.models import Lead
    from tandem.sales.models import Deal, PipelineStage
    from tandem.sales.services import pipeline_default
    from tests.factories import UserFactory

    now = timezone.now()
    ScoringProfile.objects.create(predictive_min_leads=30)
    _cohort(now, created_days=400, touch_days=200, won_days=150)
    _cohort(now, created_days=120, touch_days=100, won_days=50)
    held_out = Contact.objects.filter(created_at__gte=now - dt.timedelta(days=130)).order_by("pk")
    keen = [c for c in held_out if c.touches.exists()]
    cold = [c for c in held_out if not c.touches.exists()]
    handed = now - dt.timedelta(days=60)  # after the evaluation cutoff (90 days back)
    for contact in keen[:8]:
        Lead.objects.create(
            contact=contact, score_at_handoff=50, handed_off_at=handed, status="accepted"
        )
    for contact, reason in zip(cold[:6], ["bad_fit"] * 4 + ["student"] * 2, strict=True):
        Lead.objects.create(
            contact=contact,
            score_at_handoff=50,
            handed_off_at=handed,
            status="rejected",
            rejection_reason=reason,
        )
    pipeline = pipeline_default()
    won = pipeline.stages.get(outcome=PipelineStage.Outcome.WON)
    lost = pipeline.stages.get(outcome=PipelineStage.Outcome.LOST)
    owner = UserFactory(role="sales_rep")
    for contact, stage in [*((c, won) for c in keen[:5]), *((c, lost) for c in cold[:5])]:
        Deal.objects.create(
            name="d",
            contact=contact,
            owner=owner,
            pipeline=pipeline,
            stage=stage,
            created_at=handed,
            closed_at=handed,
        )

    predictive.model_train(now=now)

    evaluation = PredictiveModel.objects.get().evaluation
    leads, deals = evaluation["leads_judged"], evaluation["deals_judged"]
    assert (leads["count"], leads["bad"]) == (14, 6)
    assert leads["rejection_reasons"] == {"bad_fit": 4, "student": 2}
    assert leads["auc"] == 1.0  # every accepted lead was keen, every rejected one cold
    assert leads["mean_probability_good"] > leads["mean_probability_bad"]
    assert (deals["count"], deals["bad"]) == (10, 5)
    assert deals["auc"] == 1.0 and deals["rule_auc"] == 1.0


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_predictive_page_shows_the_evaluation_and_sales_verdicts(db, cast):
    now = timezone.now()
    ScoringProfile.objects.create(predictive_min_leads=30)
    _cohort(now, created_days=400, touch_days=200, won_days=150)
    _cohort(now, created_days=120, touch_days=100, won_days=50)
    predictive.model_train(now=now)

    html = _client(cast.sales_rep).get("/leads/scoring-model/").content.decode()

    evaluation = PredictiveModel.objects.get().evaluation
    assert f'data-metric="auc">{evaluation["auc"]:,.3f}<' in html
    assert 'data-metric="leads_judged">0<' in html
    assert "No rejected leads in that period." in html
    assert "Retrain now" not in html  # a rep reads it; managers and admins retrain


def test_before_any_model_the_page_says_the_rule_score_ranks_leads(db, cast):
    html = _client(cast.marketer).get("/leads/scoring-model/").content.decode()

    assert "No predictive model has been trained yet" in html


def test_a_manager_retrains_from_the_page_and_an_employee_may_not_look(db, cast):
    ContactFactory()

    response = _client(cast.marketing_manager).post("/leads/scoring-model/retrain/")

    assert response.status_code == 302
    assert PredictiveModel.objects.get().message.startswith("Not enough history yet")
    assert _client(cast.marketer).post("/leads/scoring-model/retrain/").status_code == 403
    assert _client(cast.employee).get("/leads/scoring-model/").status_code == 403
